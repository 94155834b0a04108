"""`segmint serve`: the segmentation workbench, a local web page editing a model over the library."""
