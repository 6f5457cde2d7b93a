@testable import LinuxSystem
import FoundationEssentials
import Testing

@Suite struct ISOTimestampTests {
    @Test func formatsUTCToTheSecond() {
        #expect(ISOTimestamp.string(from: Date(timeIntervalSince1970: 1_795_705_426.75)) == "2026-11-26T15:03:46Z")
    }

    @Test func parsesWhatItWritesAndOffsets() {
        #expect(ISOTimestamp.date(from: "2026-11-26T15:03:46Z")?.timeIntervalSince1970 == 1_795_705_426)
        #expect(ISOTimestamp.date(from: "2026-11-26T16:03:46+01:00")?.timeIntervalSince1970 == 1_795_705_426)
        let now = Date()
        let roundTrip = ISOTimestamp.date(from: ISOTimestamp.string(from: now))
        #expect(roundTrip.map { abs($0.timeIntervalSince(now)) < 1 } == true)
    }

    @Test func refusesWhatIsNotATimestamp() {
        #expect(ISOTimestamp.date(from: "yesterday") == nil)
        #expect(ISOTimestamp.date(from: "") == nil)
    }
}
