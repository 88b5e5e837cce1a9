"""Server-rendered pages of the orders app (ARCHITECTURE §11.4): the buyer's tracking page
``/t/<token>`` and the live board ``/board/``. An interface: it composes the domain."""
