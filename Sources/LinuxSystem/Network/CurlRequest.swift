internal import CLinuxSyscalls
import Glibc

/// One libcurl transfer (an FTP upload, an FTP command, an SMTP mail): the URL and the options kreboot uses,
/// run by `perform`. libcurl is opened at run time (dlopen of libcurl.so.4, `CLinuxSyscalls/ckcurl.c`):
/// kreboot needs it only for ftp dumps and mail, and says so when it is missing.
///
/// Credentials are given to libcurl only; nothing here renders them. libcurl's error texts name the host
/// and the protocol's reply, never the password.
public struct CurlRequest: Sendable {
    public var url: String
    public var username: String?
    public var password: String?
    /// Upload what the descriptor yields until end of file (`CURLOPT_UPLOAD` with a read callback).
    public var uploadFrom: Int32?
    /// No data transfer: log in, change into the URL's directory, run the quote commands (`CURLOPT_NOBODY`).
    public var noBody = false
    /// FTP: create the URL's missing directories (`CURLFTP_CREATE_DIR_RETRY`).
    public var createMissingDirectories = false
    /// Raw protocol commands after login (`CURLOPT_QUOTE`: FTP `RNFR`/`RNTO`/`DELE`).
    public var quote: [String] = []
    /// SMTP: the envelope sender and recipients (`CURLOPT_MAIL_FROM`, `CURLOPT_MAIL_RCPT`); the message is the upload.
    public var mailFrom: String?
    public var mailRecipients: [String] = []
    /// Use TLS when the server offers it (STARTTLS), else go on in clear (`CURLOPT_USE_SSL` `CURLUSESSL_TRY`).
    public var tlsIfOffered = false
    /// SASL: send the credentials in the AUTH command itself (`CURLOPT_SASL_IR`), one round trip less.
    public var authInitialResponse = false
    /// The protocols libcurl may use for this URL (`CURLOPT_PROTOCOLS_STR`, e.g. "ftp"): no redirect elsewhere.
    public var protocols: String
    /// Seconds to connect; seconds under 1 KiB/s before giving up (a server that went away); 0: no limit.
    public var connectTimeout = 30
    public var stallTimeout = 60
    /// Seconds for the whole transfer; 0: no limit (a dump may take long).
    public var totalTimeout = 0

    public init(url: String, protocols: String) {
        self.url = url
        self.protocols = protocols
    }

    /// What a finished transfer reports.
    public struct Outcome: Sendable, Equatable {
        /// Bytes uploaded.
        public var uploaded: UInt64
        /// The server's last reply code (FTP/SMTP), 0 when none.
        public var responseCode: Int

        public init(uploaded: UInt64, responseCode: Int) {
            self.uploaded = uploaded
            self.responseCode = responseCode
        }
    }

    /// Why a transfer failed: libcurl missing, or its CURLcode and message (and the reading errno when the
    /// upload's source failed).
    public struct Failure: Error, Sendable, Equatable {
        public var curlCode: Int32
        public var message: String
        public var readErrno: Int32
        /// -1 for "libcurl could not be used".
        public static let unavailableCode: Int32 = -1

        public init(curlCode: Int32, message: String, readErrno: Int32) {
            self.curlCode = curlCode
            self.message = message
            self.readErrno = readErrno
        }
    }

    /// nil when libcurl can be used, else why not (`libcurl is not installed (…)`).
    public static func unavailableReason() -> String? {
        var message = [CChar](repeating: 0, count: 256)
        return ck_curl_open(&message, UInt(message.count)) == 0 ? nil : String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Runs the transfer; blocks until it ends.
    public func perform() throws(Failure) -> Outcome {
        if let reason = Self.unavailableReason() { throw Failure(curlCode: Failure.unavailableCode, message: reason, readErrno: 0) }
        guard let handle = ck_curl_new(uploadFrom ?? -1) else {
            throw Failure(curlCode: Failure.unavailableCode, message: "curl_easy_init failed", readErrno: 0)
        }
        defer { ck_curl_free(handle) }
        var codes: [Int32] = []
        codes.append(ck_curl_set_string(handle, CK_CURLOPT_URL, url))
        codes.append(ck_curl_set_string(handle, CK_CURLOPT_PROTOCOLS_STR, protocols))
        if let username { codes.append(ck_curl_set_string(handle, CK_CURLOPT_USERNAME, username)) }
        if let password { codes.append(ck_curl_set_string(handle, CK_CURLOPT_PASSWORD, password)) }
        if uploadFrom != nil { codes.append(ck_curl_set_long(handle, CK_CURLOPT_UPLOAD, 1)) }
        if noBody { codes.append(ck_curl_set_long(handle, CK_CURLOPT_NOBODY, 1)) }
        if createMissingDirectories { codes.append(ck_curl_set_long(handle, CK_CURLOPT_FTP_CREATE_MISSING_DIRS, Int(CK_CURLFTP_CREATE_DIR_RETRY))) }
        if tlsIfOffered { codes.append(ck_curl_set_long(handle, CK_CURLOPT_USE_SSL, Int(CK_CURLUSESSL_TRY))) }
        if authInitialResponse { codes.append(ck_curl_set_long(handle, CK_CURLOPT_SASL_IR, 1)) }
        if let mailFrom { codes.append(ck_curl_set_string(handle, CK_CURLOPT_MAIL_FROM, mailFrom)) }
        if !mailRecipients.isEmpty { codes.append(Self.setList(handle, CK_CURLOPT_MAIL_RCPT, mailRecipients)) }
        if !quote.isEmpty { codes.append(Self.setList(handle, CK_CURLOPT_QUOTE, quote)) }
        codes.append(ck_curl_set_long(handle, CK_CURLOPT_CONNECTTIMEOUT, connectTimeout))
        if stallTimeout > 0 {
            codes.append(ck_curl_set_long(handle, CK_CURLOPT_LOW_SPEED_LIMIT, 1024))
            codes.append(ck_curl_set_long(handle, CK_CURLOPT_LOW_SPEED_TIME, stallTimeout))
        }
        if totalTimeout > 0 { codes.append(ck_curl_set_long(handle, CK_CURLOPT_TIMEOUT, totalTimeout)) }
        if let bad = codes.first(where: { $0 != 0 }) {
            throw Failure(curlCode: bad, message: "libcurl refused an option (CURLcode \(bad)): too old a libcurl?", readErrno: 0)
        }
        var message = [CChar](repeating: 0, count: 512)
        let code = ck_curl_perform(handle, &message, UInt(message.count))
        guard code == 0 else {
            let text = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw Failure(curlCode: code, message: text, readErrno: ck_curl_read_errno(handle))
        }
        return Outcome(uploaded: UInt64(max(0, ck_curl_uploaded(handle))), responseCode: ck_curl_response_code(handle))
    }

    private static func setList(_ handle: UnsafeMutableRawPointer, _ option: Int32, _ items: [String]) -> Int32 {
        var pointers = items.map { strdup($0) }
        defer { pointers.forEach { free($0) } }
        return pointers.withUnsafeMutableBufferPointer { buffer in
            buffer.withMemoryRebound(to: UnsafePointer<CChar>?.self) { ck_curl_set_list(handle, option, $0.baseAddress, Int32(items.count)) }
        }
    }
}
