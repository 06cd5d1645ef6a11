import JulesService
print("x")
