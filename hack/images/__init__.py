"""Container images for the training examples, built without Docker (see README.md)."""
