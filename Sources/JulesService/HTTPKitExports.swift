// The HTTP server, client and address types live in HTTPKit, shared with reconcile's controller.
@_exported import HTTPKit
