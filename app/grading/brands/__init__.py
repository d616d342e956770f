"""The party-building brands (党建品牌, §10.3, criterion C19)."""
