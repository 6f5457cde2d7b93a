/// Recognises kernel images by their headers. (Stub: to be implemented.)
public enum KernelImageInspector {
    /// Inspects the file at `hostPath` (a path on this machine); messages name `displayPath`
    /// (the path as the target system sees it), defaulting to `hostPath`.
    public static func inspect(hostPath: String, displayPath: String? = nil) -> Result<KernelImageInfo, RebootPlanError> {
        let name = displayPath ?? hostPath
        return .failure(RebootPlanError(.badData, path: name, "\(name): not inspected"))
    }
}
