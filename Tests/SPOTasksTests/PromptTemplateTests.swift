import Foundation
import XCTest

@testable import SPOTasks

final class PromptTemplateTests: XCTestCase {
    func testMathTaskTemplate() {
        XCTAssertEqual(
            PromptTemplate.mathTask.render(question: "What is 2+3?"),
            "[MATH_TASK] Problem:\nWhat is 2+3?\n\nSolution:")
    }

    func testEveryPlaceholderIsReplacedOnce() throws {
        let template = try PromptTemplate(template: "{question} / {question} {x}")
        XCTAssertEqual(template.render(question: "Q{question}"), "Q{question} / Q{question} {x}")
    }

    func testTemplateWithoutPlaceholderIsAnError() {
        let error = TestSupport.taskError { _ = try PromptTemplate(template: "Problem: {problem}") }
        XCTAssertEqual(error?.value, "\"Problem: {problem}\"")
        XCTAssertTrue(error?.problem.contains("{question}") ?? false)
    }

    func testJSONFormIsAString() throws {
        let encoded = try JSONEncoder().encode(PromptTemplate.mathTask)
        XCTAssertEqual(String(decoding: encoded, as: UTF8.self), #""[MATH_TASK] Problem:\n{question}\n\nSolution:""#)
        XCTAssertEqual(try JSONDecoder().decode(PromptTemplate.self, from: encoded), .mathTask)
        XCTAssertThrowsError(try JSONDecoder().decode(PromptTemplate.self, from: Data(#""no placeholder""#.utf8)))
    }
}
