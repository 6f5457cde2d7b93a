import FoundationEssentials
import RebootPlan
import Testing

/// Passwords never appear in any rendering of a target, a notification, a delivery or a plan.
@Suite struct DumpSecretMaskingTests {
    static let targetSecret = "Tg7-hunter2"
    static let mailSecret = "Ml9-swordfish"

    func delivery(_ url: String) throws -> DumpDelivery {
        try DumpDelivery.read(KdumpConfigReader.parse(text: """
            KDUMP_SAVEDIR="\(url)"
            KDUMP_SMTP_SERVER=smtp.example.com
            KDUMP_SMTP_USER=kdump
            KDUMP_SMTP_PASSWORD="\(Self.mailSecret)"
            KDUMP_NOTIFICATION_TO=ops@example.com
            """, file: KdumpConfigReader.suseFile))
    }

    func renderings(_ delivery: DumpDelivery) throws -> [String] {
        let encoder = JSONEncoder()
        return [
            delivery.summary, delivery.target.description, "\(delivery.target)", String(reflecting: delivery.target.description),
            delivery.notification.description, "\(delivery.notification)",
            String(decoding: try encoder.encode(delivery), as: UTF8.self),
            String(decoding: try encoder.encode(delivery.target), as: UTF8.self),
            String(decoding: try encoder.encode(delivery.notification), as: UTF8.self),
        ]
    }

    @Test(arguments: ["ftp://user:\(targetSecret)@ftp.example.com:21/crash", "cifs://user:\(targetSecret)@smb.example.com/share/crash"])
    func everyRenderingIsMasked(url: String) throws {
        let delivery = try delivery(url)
        #expect(delivery.target.transportPassword() == Self.targetSecret)
        #expect(delivery.notification.transportPassword() == Self.mailSecret)
        for text in try renderings(delivery) {
            #expect(!text.contains(Self.targetSecret), "\(text)")
            #expect(!text.contains(Self.mailSecret), "\(text)")
        }
        #expect(delivery.target.description.contains("user:***@"))
        let json = String(decoding: try JSONEncoder().encode(delivery), as: UTF8.self)
        #expect(json.contains("\"passwordSet\":true"))
    }

    @Test func decodedTargetsHaveNoPassword() throws {
        let target = try delivery("ftp://user:\(Self.targetSecret)@h/d").target
        let decoded = try JSONDecoder().decode(DumpTarget.self, from: JSONEncoder().encode(target))
        #expect(decoded.transportPassword() == nil)
        #expect(decoded.host == "h" && decoded.user == "user" && decoded.path == "/d")
    }

    @Test func thePlanNeverShowsThem() throws {
        var capture = KdumpCapture(armedBy: "kreboot", loadedBefore: false, savedBy: "kreboot", saveDirectory: nil, layout: nil)
        capture.delivery = try delivery("ftp://user:\(Self.targetSecret)@ftp.example.com/crash")
        let json = String(decoding: try JSONEncoder().encode(capture), as: UTF8.self)
        for text in [json, capture.summary] {
            #expect(!text.contains(Self.targetSecret) && !text.contains(Self.mailSecret), "\(text)")
        }
        #expect(capture.summary.contains("ftp://user:***@ftp.example.com/crash"))
    }
}
