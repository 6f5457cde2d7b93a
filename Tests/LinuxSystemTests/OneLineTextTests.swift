import LinuxSystem
import Testing

/// Every error message stays one line: control characters and the Unicode line separators are escaped.
@Suite struct OneLineTextTests {
    @Test func controlCharactersAreWrittenOut() {
        #expect(OneLineText.escape("plain /boot/vmlinuz") == "plain /boot/vmlinuz")
        #expect(OneLineText.escape("a\nb\rc\td") == "a\\nb\\rc\\td")
        #expect(OneLineText.escape("\u{1B}[2J\u{7F}") == "\\u{1b}[2J\\u{7f}")
        #expect(OneLineText.escape("x\u{2028}y\u{2029}") == "x\\u{2028}y\\u{2029}")
        #expect(OneLineText.escape("caf\u{E9} \u{1F600}") == "caf\u{E9} \u{1F600}")
    }

    @Test func aSystemErrorIsOneLineWhateverItQuotes() {
        let error = SystemError(.badData, path: "/boot/evil\nname", "/boot/evil\nname: not a kernel image")
        #expect(error.message == "/boot/evil\\nname: not a kernel image")
        #expect(!error.message.contains { $0.isNewline })
    }
}
