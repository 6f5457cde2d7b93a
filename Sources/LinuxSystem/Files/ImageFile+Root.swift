import SystemPackage

extension ImageFile {
    /// Opens `targetPath` under `root` through the gateway (inside the tree, non-blocking, a regular file);
    /// errors name `targetPath`, and a missing file is "does not exist".
    public init(root: RootDirectory, path targetPath: String) throws(SystemError) {
        guard let fd = try root.openRegularFile(targetPath) else {
            throw SystemError(.badData, path: targetPath, "\(targetPath): does not exist")
        }
        try self.init(adopting: FileDescriptor(rawValue: fd), displayPath: targetPath)
    }
}
