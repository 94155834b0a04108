"""segmint: customer segmentation for B2B go-to-market teams."""
