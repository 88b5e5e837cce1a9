"""The shared kernel of FlowerCRM: tenancy, roles, API conventions, errors, events."""
