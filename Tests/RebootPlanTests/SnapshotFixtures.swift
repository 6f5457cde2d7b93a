@testable import RebootPlan
import LinuxSystem
import KexecCore
import Foundation

/// The fixture trees under Tests/RebootPlanTests/Fixtures, as roots.
enum SnapshotFixtures {
    static let path = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.path

    static func root(_ name: String) -> RootDirectory {
        RootDirectory(path + "/" + name)
    }

    /// A fresh empty directory under the temporary directory, removed by the caller.
    static func temporaryRoot() -> String {
        let dir = NSTemporaryDirectory() + "kreboot-test-" + UUID().uuidString
        try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }
}
