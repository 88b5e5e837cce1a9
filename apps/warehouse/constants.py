"""Limits of stock items and the ledger, written once: the model columns, the services, the
API serializers, the admin forms and the supply lines read them here."""

from __future__ import annotations

# StockItem.name (and a supply line's new item's name, which becomes one).
NAME_MAX_LENGTH = 200
# A stem's height in centimetres (StockItem.height_cm, a supply line's new item, the text paste).
HEIGHT_MAX_CM = 500
# StockMovement.reason: a write-off's reason code or a stocktake's free text.
REASON_MAX_LENGTH = 200
# A write-off's note.
NOTE_MAX_LENGTH = 1000
