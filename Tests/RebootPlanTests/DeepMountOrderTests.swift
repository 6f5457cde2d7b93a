import Testing
@testable import RebootPlan
@testable import LinuxSystem

/// Legal but large mount tables are ordered in O(n log n): a 2,000-deep chain of nested mounts (which took
/// cubic time before) and 20,000 mounts side by side.
@Suite struct DeepMountOrderTests {
    static func chain(_ depth: Int) -> [MountEntry] {
        var mounts = [MountEntry(id: 1, parentID: 0, source: "/dev/sda1", target: "/", fstype: "ext4")]
        var path = ""
        for level in 0..<depth {
            path += "/d"
            mounts.append(MountEntry(id: level + 2, parentID: level + 1, source: "/dev/vd\(level)", target: path, fstype: "ext4"))
        }
        return mounts
    }

    @Test func twoThousandDeepChainGoesDeepestFirst() {
        let mounts = Self.chain(2_000)
        let order = MountClassifier.mountsToUnmount(mounts)
        #expect(order.count == 2_000)
        #expect(order.first?.id == 2_001)
        #expect(order.last?.target == "/d")
        #expect(order.map(\.id) == Array((2...2_001).reversed()))
    }

    @Test func stackedMountsOnOneDeepPathGoLaterFirst() {
        var mounts = Self.chain(300)
        let deep = mounts.last!.target
        // Two more mounts on the deepest path, not each other's parent: the later one goes first.
        mounts.append(MountEntry(id: 5_000, parentID: 1, source: "/dev/x", target: deep, fstype: "ext4"))
        mounts.append(MountEntry(id: 5_001, parentID: 1, source: "/dev/y", target: deep, fstype: "ext4"))
        let order = MountClassifier.mountsToUnmount(mounts).map(\.id)
        #expect(order.firstIndex(of: 5_001)! < order.firstIndex(of: 5_000)!)
        #expect(order.firstIndex(of: 5_000)! < order.firstIndex(of: 301)!)
    }

    @Test func twentyThousandSiblings() {
        var mounts = [MountEntry(id: 1, parentID: 0, source: "/dev/sda1", target: "/", fstype: "ext4")]
        for i in 0..<20_000 {
            mounts.append(MountEntry(id: i + 2, parentID: 1, source: "/dev/s\(i)", target: "/srv/v\(i)", fstype: "ext4"))
        }
        let order = MountClassifier.mountsToUnmount(mounts)
        #expect(order.count == 20_000)
        #expect(order.first?.id == 20_001)
    }
}
