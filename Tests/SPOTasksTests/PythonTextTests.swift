import XCTest

@testable import SPOTasks

final class PythonTextTests: XCTestCase {
    /// Every code point for which CPython 3.11's `str.isspace()` is true.
    private let cpythonWhitespace: Set<UInt32> = [
        0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x1C, 0x1D, 0x1E, 0x1F, 0x20, 0x85, 0xA0, 0x1680,
        0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200A,
        0x2028, 0x2029, 0x202F, 0x205F, 0x3000,
    ]

    func testIsSpaceMatchesCPythonOnEveryCodePoint() {
        var mismatches: [UInt32] = []
        for value in UInt32(0)...0x10FFFF {
            guard let scalar = Unicode.Scalar(value) else { continue }
            if PythonText.isSpace(scalar) != cpythonWhitespace.contains(value) { mismatches.append(value) }
        }
        XCTAssertEqual(mismatches, [])
    }

    func testStrip() {
        XCTAssertEqual(PythonText.strip(""), "")
        XCTAssertEqual(PythonText.strip(" \t\n "), "")
        XCTAssertEqual(PythonText.strip("\u{A0} a b \u{1F}"), "a b")
        XCTAssertEqual(PythonText.strip("\u{200B}a"), "\u{200B}a")
    }

    func testRemovingCommasAndEquality() {
        XCTAssertEqual(PythonText.removingCommas(",1,,2,"), "12")
        XCTAssertTrue(PythonText.equal("abc", "abc"))
        XCTAssertFalse(PythonText.equal("\u{E9}", "e\u{301}"))
    }
}
