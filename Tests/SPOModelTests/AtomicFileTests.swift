import Foundation
import XCTest
@testable import SPOModel

final class AtomicFileTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("AtomicFileTests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try FileManager.default.removeItem(at: directory)
    }

    private func entries(_ url: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: url.path).sorted()
    }

    func testWriteCreatesThenReplacesAndLeavesNoTemporaryFile() throws {
        let url = directory.appendingPathComponent("state.json")
        try AtomicFile.write(Data("first".utf8), to: url)
        XCTAssertEqual(try Data(contentsOf: url), Data("first".utf8))
        try AtomicFile.write(Data("second, longer".utf8), to: url)
        XCTAssertEqual(try Data(contentsOf: url), Data("second, longer".utf8))
        try AtomicFile.write(Data(), to: url)
        XCTAssertEqual(try Data(contentsOf: url).count, 0)
        XCTAssertEqual(try entries(directory), ["state.json"])
    }

    func testStreamedWriteConcatenatesChunks() throws {
        let url = directory.appendingPathComponent("chunks.bin")
        let floats: [Float] = [1, 2]
        try AtomicFile.write(to: url) { writer in
            try writer.write(Data([0xAA]))
            try floats.withUnsafeBytes { try writer.write($0) }
        }
        // 1.0f = 0x3F800000, 2.0f = 0x40000000, little-endian.
        XCTAssertEqual(Array(try Data(contentsOf: url)), [0xAA, 0, 0, 0x80, 0x3F, 0, 0, 0, 0x40])
    }

    func testFailingProducerKeepsOldContents() throws {
        struct Stop: Error {}
        let url = directory.appendingPathComponent("keep.txt")
        try AtomicFile.write(Data("old".utf8), to: url)
        XCTAssertThrowsError(try AtomicFile.write(to: url) { writer in
            try writer.write(Data("partial".utf8))
            throw Stop()
        })
        XCTAssertEqual(try Data(contentsOf: url), Data("old".utf8))
        XCTAssertEqual(try entries(directory), ["keep.txt"])
    }

    func testMissingDirectoryErrorNamesPathAndErrno() {
        let url = directory.appendingPathComponent("absent/file.bin")
        XCTAssertThrowsError(try AtomicFile.write(Data([1]), to: url)) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains(self.directory.appendingPathComponent("absent").path), message)
            XCTAssertTrue(message.contains("No such file or directory"), message)
            XCTAssertTrue(message.contains("errno \(ENOENT)"), message)
        }
    }

    func testWriteDirectoryCreatesAndReplaces() throws {
        let target = directory.appendingPathComponent("checkpoint")
        try AtomicFile.writeDirectory(at: target) { staging in
            try Data("a1".utf8).write(to: staging.appendingPathComponent("a.bin"))
            try Data("b1".utf8).write(to: staging.appendingPathComponent("b.bin"))
        }
        XCTAssertEqual(try entries(target), ["a.bin", "b.bin"])

        try AtomicFile.writeDirectory(at: target) { staging in
            XCTAssertEqual(try self.entries(staging), [])
            XCTAssertNotEqual(staging.standardizedFileURL.path, target.standardizedFileURL.path)
            let nested = staging.appendingPathComponent("nested")
            try FileManager.default.createDirectory(at: nested, withIntermediateDirectories: false)
            try Data("c2".utf8).write(to: nested.appendingPathComponent("c.bin"))
            try Data("a2".utf8).write(to: staging.appendingPathComponent("a.bin"))
        }
        XCTAssertEqual(try entries(target), ["a.bin", "nested"])
        XCTAssertEqual(try Data(contentsOf: target.appendingPathComponent("a.bin")), Data("a2".utf8))
        XCTAssertEqual(try Data(contentsOf: target.appendingPathComponent("nested/c.bin")), Data("c2".utf8))
        XCTAssertEqual(try entries(directory), ["checkpoint"])
    }

    func testWriteDirectoryFailureKeepsOldTree() throws {
        struct Stop: Error {}
        let target = directory.appendingPathComponent("checkpoint")
        try AtomicFile.writeDirectory(at: target) { staging in
            try Data("old".utf8).write(to: staging.appendingPathComponent("a.bin"))
        }
        XCTAssertThrowsError(try AtomicFile.writeDirectory(at: target) { staging in
            try Data("new".utf8).write(to: staging.appendingPathComponent("a.bin"))
            throw Stop()
        })
        XCTAssertEqual(try Data(contentsOf: target.appendingPathComponent("a.bin")), Data("old".utf8))
        XCTAssertEqual(try entries(directory), ["checkpoint"])
    }
}
