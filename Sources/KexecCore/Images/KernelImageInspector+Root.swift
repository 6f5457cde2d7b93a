import LinuxSystem
extension KernelImageInspector {
    /// Inspects `targetPath` under `root`, opened through the gateway (inside the tree, non-blocking,
    /// a regular file); messages name `targetPath`.
    public static func inspect(root: RootDirectory, path targetPath: String) -> Result<KernelImageInfo, SystemError> {
        do {
            let file = try ImageFile(root: root, path: targetPath)
            return .success(try inspect(file))
        } catch {
            return .failure(error)
        }
    }
}
