import Foundation
import JulesService

exit(JulesCommand.main(CommandLine.arguments))
