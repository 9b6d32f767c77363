"""Form definitions: the one model of every form, its catalog, units, periods and rules as data."""
