@testable import Kdump
import Foundation
import KexecCore
import LinuxSystem
import RebootPlan
import Synchronization
import Testing

/// An SMTP server as a script: the replies to give, in order; records what the client sent.
final class ScriptedSmtp: SmtpChannel, @unchecked Sendable {
    var replies: [String]
    var sent: [String] = []
    var closed = false
    init(_ replies: [String]) { self.replies = replies }
    func send(_ line: String) throws(TCPLineError) { sent.append(line) }
    func readLine() throws(TCPLineError) -> String {
        guard !replies.isEmpty else { throw TCPLineError("no answer (timed out)") }
        return replies.removeFirst()
    }
    func close() { closed = true }
}

/// The mail after a capture boot's save: the SMTP conversation, the fields, and the password kept out of
/// everything but the AUTH line.
@Suite struct DumpNotifierTests {
    static let secret = "pa55,word"

    static func notification() throws -> DumpNotification {
        try DumpNotification.parse(variables: ["KDUMP_SMTP_SERVER": "10.0.9.1:2525", "KDUMP_SMTP_USER": "kdump",
                                               "KDUMP_SMTP_PASSWORD": secret, "KDUMP_NOTIFICATION_TO": "ops@example.com",
                                               "KDUMP_NOTIFICATION_CC": "a@example.com b@example.com"], file: "/etc/sysconfig/kdump")
    }

    @Test func theConversationAuthenticatesAndSendsToEveryRecipient() throws {
        let server = ScriptedSmtp(["220 sink ESMTP", "250-sink", "250 AUTH PLAIN", "235 ok", "250 ok", "250 ok", "250 ok", "250 ok",
                                   "354 go", "250 queued"])
        let mailer = SmtpMailer(notification: try Self.notification(), from: "root@kd", helloName: "kd")
        try mailer.send(subject: "kdump: kd saved a crash dump", body: "Host: kd\n.leading dot\n", date: "2026-11-30T10:00:00Z", over: server)
        let token = Data(([0] + Array("kdump".utf8) + [0] + Array(Self.secret.utf8))).base64EncodedString()
        #expect(server.sent.prefix(6) == ["EHLO kd", "AUTH PLAIN \(token)", "MAIL FROM:<root@kd>", "RCPT TO:<ops@example.com>",
                                          "RCPT TO:<a@example.com>", "RCPT TO:<b@example.com>"])
        #expect(server.sent.contains("Subject: kdump: kd saved a crash dump"))
        #expect(server.sent.contains("Cc: a@example.com, b@example.com"))
        #expect(server.sent.contains("..leading dot"))
        #expect(server.sent.suffix(2) == [".", "QUIT"])
        #expect(!server.sent.contains { $0.contains(Self.secret) })
        #expect(server.closed)
    }

    @Test func aRefusalNamesTheStepAndTheReplyNeverThePassword() throws {
        let server = ScriptedSmtp(["220 sink", "250 sink", "535 authentication failed"])
        let mailer = SmtpMailer(notification: try Self.notification(), from: "root@kd", helloName: "kd")
        do {
            try mailer.send(subject: "s", body: "b", date: "d", over: server)
            Issue.record("sent although AUTH was refused")
        } catch {
            #expect(error.message == "mail via 10.0.9.1:2525: AUTH: the server answered \"535 authentication failed\"")
            #expect(!error.message.contains(Self.secret))
        }
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

/// KDUMP_POSTSCRIPT after the save: its arguments, and a real script run through the real runner.
@Suite struct PostSaveScriptTests {
    @Test func theScriptGetsTheOutcomeAndThePlace() throws {
        let dir = KdumpFixtures.temporaryDirectory()
        let script = dir + "/hook.sh"
        KdumpFixtures.write(Array("#!/bin/sh\necho \"$1 $2\" > \(dir)/hook.out\nexit 3\n".utf8), to: script)
        chmod(script, 0o755)
        let target = try DumpTargetParser.parse("nfs://10.0.9.1/srv/nfs/crash", option: "KDUMP_SAVEDIR", file: "f")
        let result = DumpSaveResult(directory: "/run/kreboot/dump-target/2025-11-30-10:00:00", vmcore: nil, dmesg: nil, format: "none",
                                    dumpLevel: 31, estimateBytes: nil, estimateSource: "none", availableBeforeBytes: nil,
                                    availableAfterBytes: nil, testID: nil, rotated: [], warnings: [], immediateReboot: true)
        let lines = Mutex<[String]>([])
        let hook = PostSaveScript(path: script, log: { line in lines.withLock { $0.append(line) } })
        #expect(hook.arguments(.failed("x"), target: target) == [script, "failed", "nfs://10.0.9.1/srv/nfs/crash"])
        hook.run(.saved(result), target: target)
        let written = try String(contentsOfFile: dir + "/hook.out", encoding: .utf8)
        #expect(written == "saved nfs://10.0.9.1/srv/nfs/crash/2025-11-30-10:00:00\n")
        #expect(lines.withLock { $0 } == ["KDUMP_POSTSCRIPT \(script): exit 3"])
    }
}
