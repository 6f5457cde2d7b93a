import Testing
@testable import Quiesce

@Suite struct QuiescePlaceholderTests {
    @Test func moduleLinks() { #expect(QuiescePlaceholder.self == QuiescePlaceholder.self) }
}
