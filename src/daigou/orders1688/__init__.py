"""1688 purchasing (issue 5): previews and orders through the marketplace port."""
