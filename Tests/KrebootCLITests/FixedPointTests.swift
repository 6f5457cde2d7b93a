import Testing
@testable import kreboot

@Suite struct FixedPointTests {
    @Test func roundsToTheGivenDecimalsAndPads() {
        #expect(1.5.fixed(2) == "1.50")
        #expect((1.0 / 3).fixed(2) == "0.33")
        #expect((2.0 / 3).fixed(2) == "0.67")
        #expect(12.0.fixed(2) == "12.00")
        #expect(0.0.fixed(1) == "0.0")
        #expect(0.07.fixed(2) == "0.07")
        #expect(42.93.fixed(1) == "42.9")
        #expect(9.996.fixed(2) == "10.00")
        #expect(7.4.fixed(0) == "7")
    }

    @Test func keepsTheSignOfNegativeValues() {
        #expect((-1.25).fixed(1) == "-1.3")
        #expect((-0.001).fixed(2) == "0.00")
    }
}
