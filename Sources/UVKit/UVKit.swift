// UVKit placeholder
