import LinuxSystem

/// Runs a libcurl request: `LibcurlPerformer` in the product, a recording fake in tests (the transports and
/// the mailer build requests; this is where they leave the process).
public protocol CurlPerforming: Sendable {
    func perform(_ request: CurlRequest) throws(CurlRequest.Failure) -> CurlRequest.Outcome
}

/// `CurlRequest.perform` through libcurl.
public struct LibcurlPerformer: CurlPerforming {
    public init() {}

    public func perform(_ request: CurlRequest) throws(CurlRequest.Failure) -> CurlRequest.Outcome {
        try request.perform()
    }
}
