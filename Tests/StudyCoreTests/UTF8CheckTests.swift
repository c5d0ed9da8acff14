import StudyCore
import Testing

/// `UTF8Check`: strict validation with the first bad byte's offset, line and column.
@Suite struct UTF8CheckTests {
    private func failure(_ bytes: [UInt8]) -> String? { UTF8Check.firstInvalid(bytes)?.description }

    @Test("well-formed text of every sequence length passes and decodes unchanged")
    func wellFormed() {
        let text = "a\u{7F}\u{80}\u{7FF}\u{800}\u{D7FF}\u{E000}\u{FFFF}\u{10000}\u{10FFFF}\n"
        #expect(UTF8Check.firstInvalid(Array(text.utf8)) == nil)
        #expect(UTF8Check.validate(Array(text.utf8)) == .valid(text))
    }

    @Test("overlong forms, surrogates, code points past U+10FFFF and bytes that never occur are refused")
    func illFormed() {
        #expect(failure([0x61, 0xC0, 0x80]) == "invalid UTF-8 byte 0xc0 at byte offset 1 (line 1, column 2)")
        #expect(failure([0xE0, 0x80, 0xAF]) == "invalid UTF-8 byte 0xe0 at byte offset 0 (line 1, column 1)")
        #expect(failure([0xED, 0xA0, 0x80]) == "invalid UTF-8 byte 0xed at byte offset 0 (line 1, column 1)")
        #expect(failure([0xF4, 0x90, 0x80, 0x80]) == "invalid UTF-8 byte 0xf4 at byte offset 0 (line 1, column 1)")
        #expect(failure([0xF5, 0x80, 0x80, 0x80]) == "invalid UTF-8 byte 0xf5 at byte offset 0 (line 1, column 1)")
        #expect(failure([0xFE]) == "invalid UTF-8 byte 0xfe at byte offset 0 (line 1, column 1)")
    }

    @Test("a stray continuation byte and a sequence cut short by the end of the file or a newline are refused")
    func truncated() {
        #expect(failure(Array("ok\n".utf8) + [0x80]) == "invalid UTF-8 byte 0x80 at byte offset 3 (line 2, column 1)")
        #expect(failure(Array("x\ny\nab".utf8) + [0xE2, 0x82]) == "invalid UTF-8 byte 0xe2 at byte offset 6 (line 3, column 3)")
        #expect(failure([0xE2, 0x82, 0x0A, 0x41]) == "invalid UTF-8 byte 0xe2 at byte offset 0 (line 1, column 1)")
    }

    @Test("a leading BOM is accepted, dropped from the text and not counted as a column")
    func byteOrderMark() {
        #expect(UTF8Check.validate(UTF8Check.byteOrderMark + Array("ab".utf8)) == .valid("ab"))
        #expect(failure(UTF8Check.byteOrderMark + [0x61, 0xFF]) == "invalid UTF-8 byte 0xff at byte offset 4 (line 1, column 2)")
        // A BOM elsewhere is an ordinary (valid) character, kept in the text.
        #expect(UTF8Check.validate(Array("a\u{FEFF}".utf8)) == .valid("a\u{FEFF}"))
    }
}
