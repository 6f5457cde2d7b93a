import FoundationEssentials
import RebootPlan
import Testing

/// The delivery (target, capture network, notifications) read from each distribution's configuration.
@Suite struct DumpDeliveryTests {
    func suse(_ text: String) throws(KdumpConfigError) -> DumpDelivery {
        try DumpDelivery.read(KdumpConfigReader.parse(text: text, file: KdumpConfigReader.suseFile))
    }

    func suseError(_ text: String) -> KdumpConfigError? {
        do { _ = try suse(text); return nil } catch { return error }
    }

    @Test func suseURLWithIdentityNetworkAndMail() throws {
        let delivery = try suse("""
            KDUMP_SAVEDIR="sftp://dump@backup.example.com/srv/crash"
            KDUMP_SSH_IDENTITY="/root/.ssh/id_kdump"
            KDUMP_NETCONFIG="eth0.100:dhcp"
            KDUMP_NET_TIMEOUT=45
            KDUMP_SMTP_SERVER="smtp.example.com:587"
            KDUMP_SMTP_USER="kdump"
            KDUMP_SMTP_PASSWORD="mail-secret"
            KDUMP_NOTIFICATION_TO="ops@example.com"
            KDUMP_NOTIFICATION_CC="a@example.com b@example.com"
            KDUMP_POSTSCRIPT="/usr/local/bin/after-dump --quiet"
            """)
        #expect(delivery.target.scheme == .sftp && delivery.target.sshKey == "/root/.ssh/id_kdump")
        #expect(delivery.network == CaptureNetwork(interface: "eth0.100", vlanParent: "eth0", vlanID: 100, mode: .dhcp4, timeoutSeconds: 45))
        #expect(delivery.needsNetwork)
        #expect(delivery.notification.smtpHost == "smtp.example.com" && delivery.notification.smtpPort == 587)
        #expect(delivery.notification.to == ["ops@example.com"] && delivery.notification.cc.count == 2)
        #expect(delivery.notification.transportPassword() == "mail-secret")
        #expect(delivery.notification.postScript == "/usr/local/bin/after-dump --quiet")
    }

    @Test func localDefaultsNeedNoNetwork() throws {
        let delivery = try suse("KDUMP_SAVEDIR=file:///var/crash\n")
        #expect(delivery.target == .local("/var/crash"))
        #expect(delivery.network.mode == .auto)
        #expect(!delivery.needsNetwork)
        #expect(delivery.notification.isEmpty)
        #expect(try suse("KDUMP_SAVEDIR=ftp://h/d\nKDUMP_NETCONFIG=\"\"\n").needsNetwork == false)
        #expect(try suse("KDUMP_NETCONFIG=auto:force\n").needsNetwork)
    }

    @Test func debianSSHAndNFS() throws {
        let ssh = try DumpDelivery.read(KdumpConfigReader.parse(text: """
            SSH="kdump@backup.example.com"
            SSH_KEY=/root/.ssh/kdump_key
            KDUMP_COREDIR=/srv/crash
            """, file: KdumpConfigReader.debianFile))
        #expect(ssh.target == DumpTarget(scheme: .sftp, host: "backup.example.com", user: "kdump", path: "/srv/crash",
                                         sshKey: "/root/.ssh/kdump_key", option: "SSH"))
        let nfs = try DumpDelivery.read(KdumpConfigReader.parse(text: "NFS=\"filer:/export/crash\"\nNFS_TIMEO=600\nNFS_RETRANS=3\n",
                                                                file: KdumpConfigReader.debianFile))
        #expect(nfs.target == DumpTarget(scheme: .nfs, host: "filer", path: "/export/crash", mountOptions: ["timeo=600", "retrans=3"], option: "NFS"))
        #expect(KdumpConfigReader.parse(text: "NFS=\"filer:/export/crash\"\n", file: KdumpConfigReader.debianFile).localSaveDir == nil)
        #expect(throws: KdumpConfigError.self) {
            try DumpDelivery.read(KdumpConfigReader.parse(text: "NFS=filer:/e\nNFS_TIMEO=soon\n", file: KdumpConfigReader.debianFile))
        }
    }

    @Test func redHatSSHAndNFS() throws {
        let ssh = try DumpDelivery.read(RedHatKdumpConfReader.parse(text: "ssh root@backup\nsshkey /root/.ssh/kdump_id_rsa\npath /srv/crash\n"))
        #expect(ssh.target == DumpTarget(scheme: .sftp, host: "backup", user: "root", path: "/srv/crash", sshKey: "/root/.ssh/kdump_id_rsa", option: "ssh"))
        let nfs = try DumpDelivery.read(RedHatKdumpConfReader.parse(text: "nfs filer:/export\npath /var/crash\n"))
        #expect(nfs.target.scheme == .nfs && nfs.target.path == "/export/var/crash")
        do {
            _ = try DumpDelivery.read(RedHatKdumpConfReader.parse(text: "ssh root@\n"))
            Issue.record("accepted ssh root@")
        } catch {
            #expect(error.message.hasPrefix("/etc/kdump.conf: ssh: "))
        }
        for value in ["root@backup:2222", "backup:22"] {
            #expect(throws: KdumpConfigError(file: "/etc/kdump.conf", option: "ssh",
                                             reason: "HOST:PORT is not taken here: name the host alone (another port goes in ssh's configuration)")) {
                try DumpDelivery.read(RedHatKdumpConfReader.parse(text: "ssh \(value)\n"))
            }
        }
        #expect(try DumpDelivery.read(RedHatKdumpConfReader.parse(text: "ssh root@[2001:db8::1]\n")).target.host == "2001:db8::1")
    }

    @Test func aValueWithALineBreakIsQuotedOnOneLine() {
        let config = KdumpConfigReader.parse(text: "KDUMP_SMTP_SERVER=mx\nKDUMP_NOTIFICATION_TO=\"a@b.c\nRCPT TO:<x@y>\"\n",
                                             file: KdumpConfigReader.debianFile)
        do {
            _ = try DumpDelivery.read(config)
            Issue.record("accepted a recipient with a line break")
        } catch {
            #expect(error.option == "KDUMP_NOTIFICATION_TO")
            #expect(!error.message.contains("\n") && error.message.contains("a@b.c\\nRCPT"), "\(error.message)")
        }
    }

    @Test func netconfigIsStrict() {
        for (value, option) in [("eth0:dhcp7", "KDUMP_NETCONFIG"), ("eth0", "KDUMP_NETCONFIG"), (":dhcp", "KDUMP_NETCONFIG"),
                                ("averyveryverylongname0:dhcp", "KDUMP_NETCONFIG"), ("eth0.5000:dhcp", "KDUMP_NETCONFIG"),
                                ("eth/0:static", "KDUMP_NETCONFIG"), ("none:force", "KDUMP_NETCONFIG")] {
            let error = suseError("KDUMP_SAVEDIR=nfs://h/e\nKDUMP_NETCONFIG=\"\(value)\"\n")
            #expect(error?.option == option, "\(value)")
        }
        #expect(suseError("KDUMP_NET_TIMEOUT=0\n")?.option == "KDUMP_NET_TIMEOUT")
        #expect(suseError("KDUMP_NET_TIMEOUT=x\n")?.option == "KDUMP_NET_TIMEOUT")
    }

    @Test func notificationIsStrict() {
        #expect(suseError("KDUMP_SMTP_SERVER=smtp\n")?.option == "KDUMP_SMTP_SERVER")
        #expect(suseError("KDUMP_NOTIFICATION_TO=a@b\n")?.option == "KDUMP_NOTIFICATION_TO")
        #expect(suseError("KDUMP_SMTP_SERVER=smtp\nKDUMP_NOTIFICATION_TO=\"Joe <a@b>\"\n")?.option == "KDUMP_NOTIFICATION_TO")
        #expect(suseError("KDUMP_SMTP_SERVER=smtp:0\nKDUMP_NOTIFICATION_TO=a@b\n")?.option == "KDUMP_SMTP_SERVER")
        #expect(suseError("KDUMP_SMTP_PASSWORD=x\n")?.option == "KDUMP_SMTP_PASSWORD")
        #expect(suseError("KDUMP_POSTSCRIPT=hook.sh\n")?.option == "KDUMP_POSTSCRIPT")
    }
}
