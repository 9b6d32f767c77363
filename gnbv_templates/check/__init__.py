"""The validator: checks that turn a read return into findings."""
