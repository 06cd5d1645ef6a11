import Foundation
import ReconcileCLI

exit(await ReconcileCommand.main(Array(CommandLine.arguments.dropFirst())))
