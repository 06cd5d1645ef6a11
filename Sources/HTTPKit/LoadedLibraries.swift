import CCurl
import CMicroHTTPD

/// A C library loaded at its first use rather than linked (see the shim.h of CCurl and CMicroHTTPD): its table of
/// functions, or why it could not be loaded. Held by a Swift global, which Swift initialises once, on first use,
/// whichever thread gets there first.
struct LoadedLibrary<API>: @unchecked Sendable {
  let table: UnsafePointer<API>?
  let error: String?

  init(empty: API, open: (UnsafeMutablePointer<API>) -> UnsafePointer<CChar>?) {
    let table = UnsafeMutablePointer<API>.allocate(capacity: 1)  // for the life of the process
    table.initialize(to: empty)
    if let why = open(table) {
      self.table = nil
      self.error = String(cString: why)
    } else {
      self.table = UnsafePointer(table)
      self.error = nil
    }
  }

  /// The table, for code that runs only once `error` was found nil (a request's handle, a started server).
  var loaded: UnsafePointer<API> {
    guard let table else { preconditionFailure("used before loading succeeded: \(error ?? "")") }
    return table
  }
}

/// libcurl (libcurl.so.4), loaded by the first request.
let curlLibrary = LoadedLibrary(empty: rc_curl_api(), open: rc_curl_open)
/// libmicrohttpd (libmicrohttpd.so.12), loaded by the first server started.
let mhdLibrary = LoadedLibrary(empty: rc_mhd_api(), open: rc_mhd_open)

/// Shorthands for the tables, valid once loading succeeded.
var curlAPI: UnsafePointer<rc_curl_api> { curlLibrary.loaded }
var mhdAPI: UnsafePointer<rc_mhd_api> { mhdLibrary.loaded }
