print("kreboot")
