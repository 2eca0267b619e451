import Foundation
import XCTest
@testable import SPOModel

/// The engine against `Tests/Reference/llama_reference.py`, an independent NumPy (float64)
/// implementation that reads our checkpoint files with its own safetensors parser. This also
/// proves the checkpoint layout (tensor names, shapes, config keys) is Hugging Face's.
///
/// Skipped when python3 with NumPy is missing, unless SPO_REQUIRE_PYTHON_REFERENCE=1
/// (set by ops/test.sh, which installs NumPy), in which case a missing NumPy fails.
final class PythonReferenceTests: XCTestCase {
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func python(_ arguments: [String]) throws -> (status: Int32, output: Data) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }

    func testLogProbabilitiesMatchNumPyReference() throws {
        let required = ProcessInfo.processInfo.environment["SPO_REQUIRE_PYTHON_REFERENCE"] == "1"
        let probe = try? python(["-c", "import numpy"])
        guard probe?.status == 0 else {
            if required { XCTFail("python3 with numpy is required (SPO_REQUIRE_PYTHON_REFERENCE=1)"); return }
            throw XCTSkip("python3 with numpy not available")
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("spo-ref-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        for tied in [true, false] {
            let model = TestModels.tinyModel(tied: tied, seed: 21)
            let checkpoint = directory.appendingPathComponent("model-\(tied)")
            try ModelCheckpoint.save(model, to: checkpoint)
            let sequences: [[Int32]] = [[1, 4, 9, 2, 2, 10, 3, 7, 0, 5], [6, 6, 1]]
            let input = directory.appendingPathComponent("input-\(tied).json")
            try JSONSerialization.data(withJSONObject: ["temperature": 0.6, "sequences": sequences.map { $0.map(Int.init) }])
                .write(to: input)
            let script = Self.packageRoot.appendingPathComponent("Tests/Reference/llama_reference.py").path
            let (status, output) = try python([script, checkpoint.path, input.path])
            XCTAssertEqual(status, 0, "reference script failed")
            let result = try JSONSerialization.jsonObject(with: output) as! [String: Any]
            let expected = result["log_probs"] as! [[Double]], entropies = result["entropies"] as! [[Double]]
            let pass = try model.forward(try TokenBatch(sequences: sequences), temperature: 0.6)
            for s in sequences.indices {
                for t in expected[s].indices {
                    let r = pass.batch.scoredOffsets[s] + t
                    XCTAssertEqual(Double(pass.logProbabilities[r]), expected[s][t], accuracy: 1e-4, "tied \(tied) seq \(s) pos \(t)")
                    XCTAssertEqual(Double(pass.entropies[r]), entropies[s][t], accuracy: 1e-4)
                }
            }
        }
    }
}
