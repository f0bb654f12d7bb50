"""The TrainingJob API: the spec models, their validation errors and the CRD made from them.

Imports nothing else of Troupe's, so every other layer can build on it.
"""
