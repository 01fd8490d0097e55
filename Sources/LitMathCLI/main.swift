print("litmath")
