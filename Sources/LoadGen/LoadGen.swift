// LoadGen placeholder
