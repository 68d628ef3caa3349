"""The service API the console calls: named functions over the engine, no Qt, no widgets.

Each module serves one part of the console; ui/ never builds SQL itself.
"""
