@testable import Kdump
import Foundation
import KexecCore
import LinuxSystem
import RebootPlan
import Synchronization
import Testing

/// A performer that records the request and reads the message libcurl would upload.
final class RecordingMailPerformer: CurlPerforming, @unchecked Sendable {
    var requests: [CurlRequest] = []
    var uploaded: [String] = []
    var failure: CurlRequest.Failure?
    init(failure: CurlRequest.Failure? = nil) { self.failure = failure }

    func perform(_ request: CurlRequest) throws(CurlRequest.Failure) -> CurlRequest.Outcome {
        requests.append(request)
        var bytes: [UInt8] = []
        if let fd = request.uploadFrom {
            var chunk = [UInt8](repeating: 0, count: 4096)
            while true {
                let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if n <= 0 { break }
                bytes += chunk[..<n]
            }
        }
        uploaded.append(String(decoding: bytes, as: UTF8.self))
        if let failure { throw failure }
        return CurlRequest.Outcome(uploaded: UInt64(bytes.count), responseCode: 250)
    }
}

/// The mail after a capture boot's save, sent through libcurl: the request, the fields, and the password kept
/// out of everything but libcurl's AUTH.
@Suite struct DumpNotifierTests {
    static let secret = "pa55,word"

    static func notification(server: String = "10.0.9.1:2525") throws -> DumpNotification {
        try DumpNotification.parse(variables: ["KDUMP_SMTP_SERVER": server, "KDUMP_SMTP_USER": "kdump",
                                               "KDUMP_SMTP_PASSWORD": secret, "KDUMP_NOTIFICATION_TO": "ops@example.com",
                                               "KDUMP_NOTIFICATION_CC": "a@example.com b@example.com"], file: "/etc/sysconfig/kdump")
    }

    static func savedResult() -> DumpSaveResult {
        DumpSaveResult(directory: "/run/kreboot/dump-target/2025-11-30-10:00:00", vmcore: "/run/x/vmcore", dmesg: nil,
                       format: "lzo", dumpLevel: 31, estimateBytes: nil, estimateSource: "unknown",
                       availableBeforeBytes: nil, availableAfterBytes: nil, testID: nil, rotated: [], warnings: [],
                       immediateReboot: true, vmcoreBytes: 31_457_280)
    }

    static func notifier(_ notification: DumpNotification, performer: any CurlPerforming, log: @escaping @Sendable (String) -> Void) throws -> DumpNotifier {
        let target = try DumpTargetParser.parse("nfs://10.0.9.1/srv/nfs/crash", option: "KDUMP_SAVEDIR", file: "f")
        return DumpNotifier(notification: notification, target: target, log: log, performer: performer,
                            hostName: "kd", now: { Date(timeIntervalSince1970: 1_764_496_800) })
    }

    @Test func theRequestAuthenticatesTriesTLSAndAddressesEveryRecipient() throws {
        let performer = RecordingMailPerformer()
        let lines = Mutex<[String]>([])
        let notifier = try Self.notifier(try Self.notification(), performer: performer, log: { line in lines.withLock { $0.append(line) } })
        notifier.send(.saved(Self.savedResult()), release: "6.1.0-57-cloud-amd64", panic: "Kernel panic - not syncing: sysrq")
        let request = try #require(performer.requests.first)
        #expect(request.url == "smtp://10.0.9.1:2525" && request.protocols == "smtp")
        #expect(request.mailFrom == "<root@kd>")
        #expect(request.mailRecipients == ["<ops@example.com>", "<a@example.com>", "<b@example.com>"])
        #expect(request.username == "kdump" && request.password == Self.secret && request.authInitialResponse)
        #expect(request.tlsIfOffered && request.connectTimeout > 0 && request.totalTimeout > 0)
        let text = try #require(performer.uploaded.first)
        #expect(text.hasPrefix("From: root@kd\r\nTo: ops@example.com\r\nCc: a@example.com, b@example.com\r\n"
                               + "Subject: kdump: kd saved a crash dump\r\nDate: Sun, 30 Nov 2025 10:00:00 +0000\r\n"))
        #expect(text.contains("\r\n\r\nHost: kd\r\nTime: 2025-11-30T10:00:00Z\r\nKernel: 6.1.0-57-cloud-amd64\r\n"))
        #expect(text.hasSuffix("Size: 31457280 bytes (30 MiB)\r\n"))
        #expect(!text.contains(Self.secret))
        #expect(lines.withLock { $0 } == ["mail sent to ops@example.com, a@example.com, b@example.com via 10.0.9.1:2525"])
    }

    @Test func aRefusalNamesTheServerAndLibcurlsReasonNeverThePassword() throws {
        let performer = RecordingMailPerformer(failure: CurlRequest.Failure(curlCode: 67, message: "Login denied", readErrno: 0))
        let lines = Mutex<[String]>([])
        let notifier = try Self.notifier(try Self.notification(), performer: performer, log: { line in lines.withLock { $0.append(line) } })
        notifier.send(.failed("the dump server did not answer"), release: nil, panic: nil)
        #expect(lines.withLock { $0 } == ["mail via 10.0.9.1:2525: Login denied; nobody is notified"])
    }

    @Test func aHeaderValueCannotAddAHeaderOrALine() {
        let message = DumpMailMessage(from: "root@kd", to: ["ops@example.com\r\nBcc: evil@example.com"], cc: [],
                                      subject: "kdump\nX-Injected: yes", date: "d", body: "Host: kd\r\n.leading dot\n")
        let lines = message.text.components(separatedBy: "\r\n")
        #expect(!lines.contains { $0.hasPrefix("Bcc:") || $0.hasPrefix("X-Injected:") })
        #expect(lines.contains("To: ops@example.com  Bcc: evil@example.com"))
        #expect(lines.suffix(3) == ["Host: kd", ".leading dot", ""])
        let request = DumpMailer(notification: try! Self.notification()).request(for: message, messageFD: -1)
        #expect(request?.mailRecipients == ["<ops@example.com  Bcc: evil@example.com>"])
    }

    @Test func libcurlTalksSMTPToASinkOnTheLoopback() throws {
        try #require(CurlRequest.unavailableReason() == nil, "libcurl.so.4 is needed")
        let sink = LoopbackSmtpSink()
        sink.start()
        let lines = Mutex<[String]>([])
        let notifier = try Self.notifier(try Self.notification(server: "127.0.0.1:\(sink.port)"), performer: LibcurlPerformer(),
                                         log: { line in lines.withLock { $0.append(line) } })
        var result = Self.savedResult()
        result.directory = "/run/kreboot/dump-target/2025-11-30-10:00:00"
        notifier.send(.saved(result), release: "6.1.0-57-cloud-amd64", panic: ".Kernel panic - not syncing: sysrq")
        let received = sink.wait()
        let token = Data(([0] + Array("kdump".utf8) + [0] + Array(Self.secret.utf8))).base64EncodedString()
        #expect(received.contains("AUTH PLAIN \(token)"))
        #expect(received.contains("MAIL FROM:<root@kd>"))
        #expect(received.filter { $0.hasPrefix("RCPT TO:") } == ["RCPT TO:<ops@example.com>", "RCPT TO:<a@example.com>", "RCPT TO:<b@example.com>"])
        #expect(received.contains("Subject: kdump: kd saved a crash dump"))
        #expect(received.contains("Panic: .Kernel panic - not syncing: sysrq"))
        #expect(received.contains("Dump: nfs://10.0.9.1/srv/nfs/crash/2025-11-30-10:00:00"))
        #expect(received.last == "QUIT")
        #expect(lines.withLock { $0 } == ["mail sent to ops@example.com, a@example.com, b@example.com via 127.0.0.1:\(sink.port)"])
    }

    @Test func theMailSaysHostTimeReleasePanicPlaceAndSize() throws {
        let target = try DumpTargetParser.parse("nfs://10.0.9.1/srv/nfs/crash", option: "KDUMP_SAVEDIR", file: "f")
        let notifier = DumpNotifier(notification: try Self.notification(), target: target, log: { _ in },
                                    hostName: "kd", now: { Date(timeIntervalSince1970: 1_764_496_800) })
        let result = DumpSaveResult(directory: "/run/kreboot/dump-target/2025-11-30-10:00:00", vmcore: "/run/x/vmcore", dmesg: nil,
                                    format: "lzo", dumpLevel: 31, estimateBytes: nil, estimateSource: "unknown",
                                    availableBeforeBytes: nil, availableAfterBytes: nil, testID: nil, rotated: [], warnings: [],
                                    immediateReboot: true, vmcoreBytes: 31_457_280)
        let (subject, body) = notifier.mail(.saved(result), release: "6.1.0-57-cloud-amd64", panic: "Kernel panic - not syncing: sysrq triggered crash")
        #expect(subject == "kdump: kd saved a crash dump")
        #expect(body == """
            Host: kd
            Time: 2025-11-30T10:00:00Z
            Kernel: 6.1.0-57-cloud-amd64
            Panic: Kernel panic - not syncing: sysrq triggered crash
            Dump: nfs://10.0.9.1/srv/nfs/crash/2025-11-30-10:00:00
            Size: 31457280 bytes (30 MiB)

            """)
        let (failedSubject, failedBody) = notifier.mail(.failed("the dump server did not answer"), release: nil, panic: nil)
        #expect(failedSubject == "kdump: kd could not save a crash dump")
        #expect(failedBody.hasSuffix("Dump: not saved to nfs://10.0.9.1/srv/nfs/crash: the dump server did not answer\n"))
    }
}

/// KDUMP_POSTSCRIPT after the save: a shell command line as SUSE's kdump evaluates it, the outcome in its
/// environment, run through the real runner and /bin/sh.
@Suite struct PostSaveScriptTests {
    @Test func theCommandLineRunsWithItsArgumentsAndGetsTheOutcomeInItsEnvironment() throws {
        let dir = KdumpFixtures.temporaryDirectory()
        let script = dir + "/hook.sh"
        KdumpFixtures.write(Array("#!/bin/sh\necho \"$KREBOOT_DUMP_STATUS|$KREBOOT_DUMP_PLACE|${KREBOOT_DUMP_REASON-unset}|$#|$*\" >> \(dir)/hook.out\nexit 3\n".utf8), to: script)
        chmod(script, 0o755)
        let target = try DumpTargetParser.parse("nfs://10.0.9.1/srv/nfs/crash", option: "KDUMP_SAVEDIR", file: "f")
        let result = DumpSaveResult(directory: "/run/kreboot/dump-target/2025-11-30-10:00:00", vmcore: nil, dmesg: nil, format: "none",
                                    dumpLevel: 31, estimateBytes: nil, estimateSource: "none", availableBeforeBytes: nil,
                                    availableAfterBytes: nil, testID: nil, rotated: [], warnings: [], immediateReboot: true)
        let lines = Mutex<[String]>([])
        let command = "\(script) --quiet 'two words'"
        let hook = PostSaveScript(command: command, log: { line in lines.withLock { $0.append(line) } })
        hook.run(.saved(result), target: target)
        hook.run(.failed("the dump server did not answer; it's gone"), target: target)
        let written = try String(contentsOfFile: dir + "/hook.out", encoding: .utf8)
        #expect(written == """
            saved|nfs://10.0.9.1/srv/nfs/crash/2025-11-30-10:00:00|unset|2|--quiet two words
            failed|nfs://10.0.9.1/srv/nfs/crash|the dump server did not answer; it's gone|2|--quiet two words

            """)
        #expect(lines.withLock { $0 } == ["KDUMP_POSTSCRIPT \(command): exit 3", "KDUMP_POSTSCRIPT \(command): exit 3"])
    }

    @Test func theOutcomeIsDataNotShellText() throws {
        let target = try DumpTargetParser.parse("nfs://10.0.9.1/srv/nfs/crash", option: "KDUMP_SAVEDIR", file: "f")
        let hook = PostSaveScript(command: "/usr/lib/fence_kdump_send -i 10 node1", log: { _ in })
        let argv = hook.arguments(.failed("$(touch /tmp/pwned)"), target: target)
        #expect(argv.first == "/bin/sh" && argv[1] == "-c" && argv[2] == PostSaveScript.wrapper)
        #expect(Array(argv.dropFirst(3)) == ["kdump-postscript", "failed", "nfs://10.0.9.1/srv/nfs/crash", "$(touch /tmp/pwned)",
                                             "/usr/lib/fence_kdump_send -i 10 node1"])
        #expect(!PostSaveScript.wrapper.contains("fence_kdump_send"))
    }
}
