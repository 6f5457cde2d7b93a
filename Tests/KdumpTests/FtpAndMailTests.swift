import Glibc
@testable import Kdump
import KexecCore
import LinuxSystem
import RebootPlan
import Synchronization
import Testing
import KrebootTestSupport
import FoundationEssentials

/// Records each request (and what its upload descriptor yields) instead of running libcurl; can fail one.
final class RecordingCurl: CurlPerforming {
    struct Seen: Sendable {
        var request: CurlRequest
        var uploaded: [UInt8]
    }

    private let state = Mutex<(seen: [Seen], failAt: Int?)>(([], nil))

    init(failAt: Int? = nil) { state.withLock { $0.failAt = failAt } }

    var seen: [Seen] { state.withLock { $0.seen } }

    func perform(_ request: CurlRequest) throws(CurlRequest.Failure) -> CurlRequest.Outcome {
        var bytes: [UInt8] = []
        if let fd = request.uploadFrom {
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while true {
                let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if n <= 0 { break }
                bytes += buffer[0..<n]
            }
        }
        let index = state.withLock { state in
            state.seen.append(Seen(request: request, uploaded: bytes))
            return state.seen.count - 1
        }
        if state.withLock({ $0.failAt }) == index {
            throw CurlRequest.Failure(curlCode: 9, message: "Server denied you to change to the given directory", readErrno: 0)
        }
        return CurlRequest.Outcome(uploaded: UInt64(bytes.count), responseCode: 226)
    }
}

/// The ftp transport's requests (URLs, the rename that completes a file, credentials only to libcurl) and the
/// mail after a dump (the message and its SMTP request).
@Suite struct FtpAndMailTests {
    let secret = "s3cr:t/pw"

    func target() throws -> DumpTarget {
        try DumpTargetParser.parse("ftp://dump:s3cr%3At%2Fpw@[fd00::9]:2121/var/crash",
                                   option: "KDUMP_SAVEDIR", file: "/etc/sysconfig/kdump")
    }

    func pipeWith(_ text: String) -> Int32 {
        var fds: [Int32] = [-1, -1]
        _ = pipe(&fds)
        _ = Array(text.utf8).withUnsafeBytes { write(fds[1], $0.baseAddress, $0.count) }
        close(fds[1])
        return fds[0]
    }

    @Test func uploadsUnderAnIncompleteNameThenRenames() throws {
        let curl = RecordingCurl()
        let transport = FtpDumpTransport(target: try target(), performer: curl)
        try transport.prepare(directory: "2026-11-30-10:00")
        let upload = try transport.begin(directory: "2026-11-30-10:00", name: "vmcore")
        let source = pipeWith("flattened dump bytes")
        defer { close(source) }
        #expect(try upload.stream(from: source) == 20)
        try upload.commit()

        let seen = curl.seen
        #expect(seen.count == 3)
        #expect(seen[0].request.url == "ftp://[fd00::9]:2121/var/crash/2026-11-30-10%3A00/")
        #expect(seen[0].request.noBody && seen[0].request.createMissingDirectories)
        #expect(seen[1].request.url == "ftp://[fd00::9]:2121/var/crash/2026-11-30-10%3A00/vmcore.incomplete")
        #expect(String(decoding: seen[1].uploaded, as: UTF8.self) == "flattened dump bytes")
        #expect(seen[2].request.quote == ["RNFR var/crash/2026-11-30-10:00/vmcore.incomplete",
                                          "RNTO var/crash/2026-11-30-10:00/vmcore"])
        for request in seen.map(\.request) {
            #expect(request.protocols == "ftp")
            #expect(request.username == "dump")
            #expect(request.password == secret)
            #expect(!request.url.contains("s3cr"))
        }
        #expect(!transport.summary.contains("s3cr") && transport.summary.contains("***"))
    }

    @Test func aFailedStepNamesTheMaskedTargetAndTheServersReason() throws {
        let curl = RecordingCurl(failAt: 0)
        let transport = FtpDumpTransport(target: try target(), performer: curl)
        #expect {
            try transport.prepare(directory: "d")
        } throws: { error in
            let message = (error as? KexecError)?.description ?? ""
            return message.contains("ftp://dump:***@[fd00::9]:2121") && message.contains("Server denied") && !message.contains("s3cr")
        }
    }

    @Test func anAbortDeletesTheIncompleteFile() throws {
        let curl = RecordingCurl()
        let upload = try FtpDumpTransport(target: try target(), performer: curl).begin(directory: "d", name: "dmesg.txt")
        upload.abort()
        #expect(curl.seen.last?.request.quote == ["DELE var/crash/d/dmesg.txt.incomplete"])
    }

    @Test func theTransportsPickFtp() throws {
        #expect(try DumpTransports.make(for: try target()) is FtpDumpTransport)
    }

    func message(failure: String? = nil) -> DumpMailMessage {
        DumpMailMessage(host: "db1", time: 1_796_032_800, release: "6.1.0-27-amd64",
                        panic: "Kernel panic - not syncing: sysrq triggered crash", location: "nfs://filer/crash/2026-11-30-10:00",
                        dumpBytes: 52_428_800, failure: failure, from: DumpMailer.sender(host: "db1"),
                        to: ["ops@example.com"], cc: ["dba@example.com", "boss@example.com"])
    }

    @Test func theMailNamesHostTimeReleasePanicWhereAndSize() {
        let text = message().text
        #expect(text.contains("From: root@db1\r\n"))
        #expect(text.contains("To: ops@example.com\r\nCc: dba@example.com, boss@example.com\r\n"))
        #expect(text.contains("Subject: kdump: db1 crashed, dump saved\r\n"))
        #expect(text.contains("Date: Mon, 30 Nov 2026 10:00:00 +0000\r\n"))
        #expect(text.contains("Time:     2026-11-30T10:00:00Z\r\n"))
        #expect(text.contains("Kernel:   6.1.0-27-amd64\r\n"))
        #expect(text.contains("Panic:    Kernel panic - not syncing: sysrq triggered crash\r\n"))
        #expect(text.contains("Dump:     nfs://filer/crash/2026-11-30-10:00\r\nSize:     52428800 bytes (50 MiB)\r\n"))
        let failed = message(failure: "ftp://dump:***@filer/crash: uploading failed: Connection timed out").text
        #expect(failed.contains("Subject: kdump: db1 crashed, saving the dump FAILED\r\n"))
        #expect(failed.contains("Result:   the dump was NOT saved: ftp://dump:***@filer/crash: uploading failed"))
        #expect(!failed.contains("Dump:"))
    }

    @Test func aHeaderValueCannotStartANewHeader() {
        var forged = message()
        forged.host = "db1\r\nBcc: attacker@example.com"
        #expect(!forged.text.contains("\r\nBcc:"))
    }

    @Test func theMailGoesOverSMTPWithThePasswordOnlyToLibcurl() throws {
        let notification = try DumpNotification.parse(variables: [
            "KDUMP_SMTP_SERVER": "mail.example.com:587", "KDUMP_SMTP_USER": "kdump", "KDUMP_SMTP_PASSWORD": "hunter2",
            "KDUMP_NOTIFICATION_TO": "ops@example.com", "KDUMP_NOTIFICATION_CC": "dba@example.com boss@example.com",
        ], file: "/etc/sysconfig/kdump")
        let curl = RecordingCurl()
        let line = DumpMailer(notification: notification, performer: curl).send(message())
        #expect(line == "mail sent to ops@example.com, dba@example.com, boss@example.com via mail.example.com:587")
        let seen = try #require(curl.seen.first)
        #expect(seen.request.url == "smtp://mail.example.com:587")
        #expect(seen.request.protocols == "smtp")
        #expect(seen.request.mailFrom == "<root@db1>")
        #expect(seen.request.mailRecipients == ["<ops@example.com>", "<dba@example.com>", "<boss@example.com>"])
        #expect(seen.request.username == "kdump" && seen.request.password == "hunter2")
        #expect(seen.request.tlsIfOffered)
        #expect(String(decoding: seen.uploaded, as: UTF8.self) == message().text)
        #expect(!String(decoding: seen.uploaded, as: UTF8.self).contains("hunter2"))
    }

    @Test func aFailedMailIsOneLineWithoutThePassword() throws {
        let notification = try DumpNotification.parse(variables: [
            "KDUMP_SMTP_SERVER": "mail.example.com", "KDUMP_SMTP_PASSWORD": "hunter2", "KDUMP_SMTP_USER": "u",
            "KDUMP_NOTIFICATION_TO": "ops@example.com",
        ], file: "/etc/sysconfig/kdump")
        let mailer = DumpMailer(notification: notification, performer: RecordingCurl(failAt: 0))
        let mail = mailer.message(host: "db1", time: 0, release: nil, panic: nil, location: nil, dumpBytes: nil, failure: "disk full")
        #expect(mail.recipients == ["ops@example.com"] && mail.from == "root@db1")
        let line = mailer.send(mail)
        #expect(line == "mail to ops@example.com via mail.example.com:25 failed: Server denied you to change to the given directory")
        #expect(DumpMailer(notification: DumpNotification(), performer: RecordingCurl()).send(message()) == nil)
    }
}

/// After a save: the mail with the dump's facts, then KDUMP_POSTSCRIPT with the dump's directory, each in a line.
@Suite struct DumpNotifierTests {
    final class Lines: @unchecked Sendable {
        private let lock = Mutex<[String]>([])
        func add(_ line: String) { lock.withLock { $0.append(line) } }
        var all: [String] { lock.withLock { $0 } }
    }

    @Test func mailsThenRunsThePostScript() throws {
        let notification = try DumpNotification.parse(variables: [
            "KDUMP_SMTP_SERVER": "10.0.9.1", "KDUMP_NOTIFICATION_TO": "ops@example.com", "KDUMP_POSTSCRIPT": "/usr/local/bin/after-dump",
        ], file: "/etc/sysconfig/kdump")
        let curl = RecordingCurl()
        let runner = RecordingSubprocessRunner()
        let lines = Lines()
        let notifier = DumpNotifier(notification: notification, performer: curl, runner: runner, host: "db1",
                                    now: { Date(timeIntervalSince1970: 1_796_032_800) }, log: { lines.add($0) })
        var result = DumpSaveResult(directory: "/var/crash/2026-11-30-10:00:00", vmcore: nil, dmesg: nil, format: "lzo", dumpLevel: 31,
                                    estimateBytes: nil, estimateSource: "unknown", availableBeforeBytes: nil, availableAfterBytes: nil,
                                    testID: nil, rotated: [], warnings: [], immediateReboot: true)
        result.panicMessage = "Kernel panic - not syncing: sysrq triggered crash"
        notifier.notify(result: result, failure: nil, release: "6.1.0-27-amd64")

        let mail = String(decoding: try #require(curl.seen.first).uploaded, as: UTF8.self)
        #expect(mail.contains("Subject: kdump: db1 crashed, dump saved"))
        #expect(mail.contains("Kernel:   6.1.0-27-amd64") && mail.contains("Panic:    Kernel panic - not syncing: sysrq triggered crash"))
        #expect(mail.contains("Dump:     /var/crash/2026-11-30-10:00:00"))
        #expect(runner.calls.first == ["/usr/local/bin/after-dump", "/var/crash/2026-11-30-10:00:00"])
        #expect(lines.all.first == "mail sent to ops@example.com via 10.0.9.1:25")
        #expect(lines.all.last?.hasPrefix("KDUMP_POSTSCRIPT /usr/local/bin/after-dump exited") == true)
    }
}
