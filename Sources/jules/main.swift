print("jules")
