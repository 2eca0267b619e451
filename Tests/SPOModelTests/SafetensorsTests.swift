import Foundation
import XCTest
@testable import SPOModel

final class SafetensorsTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("SafetensorsTests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try FileManager.default.removeItem(at: directory)
    }

    /// 8-byte little-endian `headerLength`, the header padded with spaces to a multiple
    /// of 8, then `data`.
    private func fileBytes(header: String, data: [UInt8], headerLength: UInt64? = nil) -> Data {
        var padded = Array(header.utf8)
        while padded.count % 8 != 0 { padded.append(UInt8(ascii: " ")) }
        let length = headerLength ?? UInt64(padded.count)
        var bytes = (0..<8).map { UInt8(truncatingIfNeeded: length >> (8 * $0)) }
        bytes += padded + data
        return Data(bytes)
    }

    /// Four tensors with encodings worked out by hand (data buffer of 34 bytes):
    /// a  F32  [2]    [0, 8)    1.0 = 0x3F800000, -2.5 = 0xC0200000
    /// h  F16  [6]    [8, 20)   1.0 = 0x3C00, -2.0 = 0xC000, 0.5 = 0x3800,
    ///                          2^-24 = 0x0001 (smallest subnormal), 65504 = 0x7BFF (max),
    ///                          +inf = 0x7C00
    /// b  BF16 [1, 3] [20, 26)  1.0 = 0x3F80, -3.0 = 0xC040, 0.15625 = 0x3E20
    /// d  F64  []     [26, 34)  0.25 = 0x3FD0000000000000, deliberately not 8-aligned
    private let handHeader = """
        {"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},\
        "h":{"dtype":"F16","shape":[6],"data_offsets":[8,20]},\
        "b":{"dtype":"BF16","shape":[1,3],"data_offsets":[20,26]},\
        "d":{"dtype":"F64","shape":[],"data_offsets":[26,34]},\
        "__metadata__":{"format":"pt","note":"hand-built"}}
        """
    private let handData: [UInt8] = [
        0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x20, 0xC0,
        0x00, 0x3C, 0x00, 0xC0, 0x00, 0x38, 0x01, 0x00, 0xFF, 0x7B, 0x00, 0x7C,
        0x80, 0x3F, 0x40, 0xC0, 0x20, 0x3E,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xD0, 0x3F,
    ]

    private func assertThrows(
        _ bytes: Data, containing fragments: [String], file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertThrowsError(try SafetensorsFile(bytes: bytes, path: "/x/bad.safetensors"), file: file, line: line) {
            let message = "\($0)"
            for fragment in fragments + ["/x/bad.safetensors"] {
                XCTAssertTrue(message.contains(fragment), "'\(message)' lacks '\(fragment)'", file: file, line: line)
            }
        }
    }

    func testHandBuiltFileDecodes() throws {
        let url = directory.appendingPathComponent("hand.safetensors")
        try fileBytes(header: handHeader, data: handData).write(to: url)
        let file = try SafetensorsFile.read(contentsOf: url)

        XCTAssertEqual(file.metadata, ["format": "pt", "note": "hand-built"])
        XCTAssertEqual(Set(file.tensors.keys), ["a", "h", "b", "d"])
        XCTAssertEqual(file.tensors["b"], SafetensorsTensorInfo(name: "b", dtype: .BF16, shape: [1, 3], dataOffsets: 20..<26))
        XCTAssertEqual(file.tensors["d"]?.shape, [])
        XCTAssertEqual(file.tensors["d"]?.elementCount, 1)

        XCTAssertEqual(try file.floats("a"), [1.0, -2.5])
        XCTAssertEqual(try file.floats("h"), [1.0, -2.0, 0.5, 0x1p-24, 65504, .infinity])
        XCTAssertEqual(try file.floats("b"), [1.0, -3.0, 0.15625])
        XCTAssertEqual(try file.floats("d"), [0.25])

        var destination = [Float](repeating: 0, count: 6)
        try destination.withUnsafeMutableBufferPointer { try file.copyFloats("h", into: $0) }
        XCTAssertEqual(destination, [1.0, -2.0, 0.5, 0x1p-24, 65504, .infinity])
    }

    func testHalfNegativeSubnormalAndNaN() {
        // 0x8001 = -(2^-24); 0x7E00 = quiet NaN; 0x0400 = 2^-14, smallest normal.
        XCTAssertEqual(SafetensorsFile.float(fromHalf: 0x8001), -0x1p-24)
        XCTAssertTrue(SafetensorsFile.float(fromHalf: 0x7E00).isNaN)
        XCTAssertEqual(SafetensorsFile.float(fromHalf: 0x0400), 0x1p-14)
    }

    func testCopyFloatsRejectsWrongCountAndUnknownName() throws {
        let file = try SafetensorsFile(bytes: fileBytes(header: handHeader, data: handData), path: "/x/hand")
        var small = [Float](repeating: 0, count: 5)
        XCTAssertThrowsError(try small.withUnsafeMutableBufferPointer { try file.copyFloats("h", into: $0) }) {
            XCTAssertTrue("\($0)".contains("destination holds 5 floats but shape [6] has 6"), "\($0)")
        }
        XCTAssertThrowsError(try file.floats("wte")) {
            XCTAssertTrue("\($0)".contains("tensor 'wte': no such tensor; the file has 4: 'a', 'b', 'd', 'h'"), "\($0)")
        }
    }

    func testRoundTripKeepsValuesOrderAndMetadata() throws {
        let url = directory.appendingPathComponent("model.safetensors")
        let weight: [Float] = [1, 2, 3, -4, 5.5, 6e-7]
        let bias: [Float] = [0.25, -0.5, .greatestFiniteMagnitude, -0]
        let scale: [Float] = [3.75]
        let name = "layer.0/w \"q\"\\\n"
        try weight.withUnsafeBufferPointer { w in
            try bias.withUnsafeBufferPointer { b in
                try scale.withUnsafeBufferPointer { s in
                    try SafetensorsFile.write(
                        [
                            SafetensorsTensor(name: name, shape: [2, 3], values: w),
                            SafetensorsTensor(name: "bias", shape: [4], values: b),
                            SafetensorsTensor(name: "scale", shape: [], values: s),
                            SafetensorsTensor(name: "empty", shape: [0, 7], values: UnsafeBufferPointer(start: nil, count: 0)),
                        ],
                        metadata: ["step": "12", "model": "spo \"tiny\""], to: url)
                }
            }
        }
        let raw = try Data(contentsOf: url)
        let headerLength = raw.prefix(8).reversed().reduce(0) { $0 << 8 | Int($1) }
        XCTAssertEqual(headerLength % 8, 0)
        // Data buffer: 6 + 4 + 1 floats = 44 bytes.
        XCTAssertEqual(raw.count, 8 + headerLength + 44)
        // First data bytes are 1.0f = 0x3F800000, little-endian.
        XCTAssertEqual(Array(raw[(8 + headerLength)..<(12 + headerLength)]), [0x00, 0x00, 0x80, 0x3F])

        let file = try SafetensorsFile.read(contentsOf: url)
        XCTAssertEqual(file.metadata, ["step": "12", "model": "spo \"tiny\""])
        XCTAssertEqual(file.tensors[name]?.dataOffsets, 0..<24)
        XCTAssertEqual(file.tensors["bias"]?.dataOffsets, 24..<40)
        XCTAssertEqual(file.tensors["scale"]?.dataOffsets, 40..<44)
        XCTAssertEqual(file.tensors["empty"]?.dataOffsets, 44..<44)
        XCTAssertEqual(file.tensors[name]?.shape, [2, 3])
        XCTAssertEqual(try file.floats(name), weight)
        XCTAssertEqual(try file.floats("bias"), bias)
        XCTAssertEqual(try file.floats("scale"), scale)
        XCTAssertEqual(try file.floats("empty"), [])
        // Keys appear in the given order, metadata first.
        let header = String(decoding: raw[8..<(8 + headerLength)], as: UTF8.self)
        let positions = ["__metadata__", "layer.0", "bias", "scale", "empty"].map {
            header.range(of: $0)!.lowerBound
        }
        XCTAssertEqual(positions, positions.sorted())
    }

    func testWriterRejectsBadTensorsAndLeavesNoFile() throws {
        let url = directory.appendingPathComponent("bad.safetensors")
        let values: [Float] = [1, 2, 3]
        try values.withUnsafeBufferPointer { v in
            XCTAssertThrowsError(try SafetensorsFile.write(
                [SafetensorsTensor(name: "w", shape: [2, 2], values: v)], metadata: [:], to: url)) {
                XCTAssertTrue("\($0)".contains("tensor 'w': shape [2, 2] needs 4 elements but the buffer holds 3"), "\($0)")
            }
            XCTAssertThrowsError(try SafetensorsFile.write(
                [SafetensorsTensor(name: "w", shape: [3], values: v),
                 SafetensorsTensor(name: "w", shape: [3], values: v)], metadata: [:], to: url)) {
                XCTAssertTrue("\($0)".contains("duplicate tensor name"), "\($0)")
            }
            XCTAssertThrowsError(try SafetensorsFile.write(
                [SafetensorsTensor(name: "__metadata__", shape: [3], values: v)], metadata: [:], to: url))
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: url.path))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), [])
    }

    func testEveryTruncationIsRejected() throws {
        let whole = fileBytes(header: handHeader, data: handData)
        XCTAssertNoThrow(try SafetensorsFile(bytes: whole, path: "whole"))
        for cut in 0..<whole.count {
            XCTAssertThrowsError(try SafetensorsFile(bytes: whole.prefix(cut), path: "cut"), "cut at \(cut) bytes")
        }
        // The same through files, at the length prefix, inside the header, and in the data.
        for cut in [0, 5, 8, 40, whole.count - handData.count, whole.count - 1] {
            let url = directory.appendingPathComponent("cut\(cut).safetensors")
            try whole.prefix(cut).write(to: url)
            XCTAssertThrowsError(try SafetensorsFile.read(contentsOf: url), "cut at \(cut) bytes")
        }
    }

    func testShortFileAndHugeHeaderLength() {
        assertThrows(Data([1, 2, 3]), containing: ["file is 3 bytes, shorter than the 8-byte header length"])
        assertThrows(
            fileBytes(header: "{}", data: [], headerLength: 1 << 40),
            containing: ["header length 1099511627776 exceeds the 8 bytes after the length prefix"])
    }

    func testMalformedHeaderJSON() {
        assertThrows(fileBytes(header: "{\"a\": [1, 2", data: []), containing: ["header is not valid JSON"])
        assertThrows(fileBytes(header: "[1, 2]", data: []), containing: ["header is not a JSON object"])
        assertThrows(
            fileBytes(header: #"{"a":{"dtype":"F32","shape":"2","data_offsets":[0,8]}}"#, data: Array(repeating: 0, count: 8)),
            containing: ["tensor 'a'", "header field a.shape has the wrong type"])
        assertThrows(
            fileBytes(header: #"{"__metadata__":{"step":12}}"#, data: []),
            containing: ["header field __metadata__.step has the wrong type"])
    }

    func testEntryProblemsNameTensorAndValue() {
        let eight = [UInt8](repeating: 0, count: 8)
        assertThrows(
            fileBytes(header: #"{"w":{"shape":[2],"data_offsets":[0,8]}}"#, data: eight),
            containing: ["tensor 'w'", "entry has no \"dtype\""])
        assertThrows(
            fileBytes(header: #"{"w":{"dtype":"F32","data_offsets":[0,8]}}"#, data: eight),
            containing: ["tensor 'w'", "entry has no \"shape\""])
        assertThrows(
            fileBytes(header: #"{"w":{"dtype":"F32","shape":[2]}}"#, data: eight),
            containing: ["tensor 'w'", "entry has no \"data_offsets\""])
        assertThrows(
            fileBytes(header: #"{"w":{"dtype":"F33","shape":[2],"data_offsets":[0,8]}}"#, data: eight),
            containing: ["tensor 'w'", "unknown dtype 'F33'"])
        assertThrows(
            fileBytes(header: #"{"w":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}"#, data: eight),
            containing: ["shape [-2] has negative dimension -2"])
        assertThrows(
            fileBytes(header: #"{"w":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}}"#, data: eight),
            containing: ["data_offsets [8, 0]: need 0 <= begin <= end"])
        assertThrows(
            fileBytes(header: #"{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}"#, data: eight),
            containing: ["data_offsets [0, 16] run past the 8-byte data buffer"])
        assertThrows(
            fileBytes(header: #"{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, data: eight),
            containing: ["tensor 'w'", "span 8 bytes but shape [3] of F32 needs 12"])
    }

    func testCoverageOverlapHoleAndTrailingBytes() {
        let twelve = [UInt8](repeating: 0, count: 12)
        assertThrows(
            fileBytes(
                header: #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#,
                data: twelve),
            containing: ["tensor 'b' at [4, 12) overlaps tensor 'a', which ends at 8"])
        assertThrows(
            fileBytes(
                header: #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}"#,
                data: twelve),
            containing: ["hole of 4 bytes at [4, 8) between tensor 'a' and tensor 'b'"])
        assertThrows(
            fileBytes(header: #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, data: twelve),
            containing: ["data buffer has 4 bytes after the last tensor"])
    }

    func testIntegerDTypeIsNotReadAsFloat() throws {
        let file = try SafetensorsFile(
            bytes: fileBytes(
                header: #"{"n":{"dtype":"I32","shape":[1],"data_offsets":[0,4]},"e":{"dtype":"I32","shape":[0],"data_offsets":[4,4]}}"#,
                data: [7, 0, 0, 0]),
            path: "/x/int")
        XCTAssertThrowsError(try file.floats("n")) {
            XCTAssertTrue("\($0)".contains("dtype I32 cannot be read as Float"), "\($0)")
        }
        XCTAssertThrowsError(try file.floats("e"), "an empty I32 tensor is still not Float")
    }
}
