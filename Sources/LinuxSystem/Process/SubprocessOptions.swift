/// How a subprocess is wired up besides its argv: extra descriptors, where its output goes, echo.
public struct SubprocessOptions: Sendable, Equatable {
    /// Descriptors the child gets as well: child fd → our fd (kexec-tools reads a memfd as fd 3).
    public var descriptors: [Int32: Int32]
    /// Whether the child's stdout is captured together with its stderr; otherwise it goes straight to our stderr.
    public var capturesStandardOutput: Bool
    /// Whether captured output is also copied to our stderr as it comes (progress on the capture kernel's console).
    public var echo: Bool
    /// Whether the child gets our stdin, stdout and stderr as they are, with nothing captured (the result's output
    /// is empty; `capturesStandardOutput` and `echo` do not apply): a child that talks to the user itself, such as
    /// the executor child `kreboot __execute`.
    public var inheritsStandardStreams: Bool
    /// How long the child may take; when it is up, the child is killed (SIGKILL) and the result says it timed
    /// out. nil: no limit. For work that can block in the kernel, such as a look at a network file system whose
    /// server does not answer.
    public var timeout: Duration?

    /// Options for one run; by default stdin is /dev/null, stdout and stderr are captured together and not echoed.
    public init(descriptors: [Int32: Int32] = [:], capturesStandardOutput: Bool = true, echo: Bool = false,
                inheritsStandardStreams: Bool = false, timeout: Duration? = nil) {
        self.descriptors = descriptors
        self.capturesStandardOutput = capturesStandardOutput
        self.echo = echo
        self.inheritsStandardStreams = inheritsStandardStreams
        self.timeout = timeout
    }

    /// A child with our stdin, stdout and stderr and nothing captured (see `inheritsStandardStreams`).
    public static let inheritingStandardStreams = SubprocessOptions(inheritsStandardStreams: true)
}
