/// A logind session, as the safety gate sees it.
public struct LoginSession: Codable, Sendable, Equatable {
    public var id: String
    public var user: String
    public var uid: UInt32
    /// `tty`, `x11`, `wayland`, `unspecified` …
    public var type: String
    /// The tty or remote host, for the message.
    public var tty: String?
    public var remoteHost: String?

    public init(id: String, user: String, uid: UInt32, type: String = "tty", tty: String? = nil, remoteHost: String? = nil) {
        self.id = id
        self.user = user
        self.uid = uid
        self.type = type
        self.tty = tty
        self.remoteHost = remoteHost
    }
}
