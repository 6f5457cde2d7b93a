// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "kreboot",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "kreboot", targets: ["kreboot"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
    ],
    targets: [
        // System libraries: a module map and a one-line header each.
        .systemLibrary(name: "CMount", pkgConfig: "mount", providers: [.apt(["libmount-dev"])]),
        .systemLibrary(name: "CSystemd", pkgConfig: "libsystemd", providers: [.apt(["libsystemd-dev"])]),
        .systemLibrary(name: "CElf", pkgConfig: "libelf", providers: [.apt(["libelf-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // Syscalls Swift cannot call directly (syscall(2) is variadic).
        .target(name: "CKexecSyscalls"),

        .target(
            name: "RebootPlan",
            dependencies: ["CMount", "CElf", "CZlib", "CKexecSyscalls", .product(name: "SystemPackage", package: "swift-system")]
        ),
        .target(
            name: "KexecCore",
            dependencies: ["RebootPlan", "CKexecSyscalls", "CElf", .product(name: "SystemPackage", package: "swift-system")]
        ),
        .target(
            name: "Quiesce",
            dependencies: ["RebootPlan", "KexecCore", "CMount", "CSystemd", "CKexecSyscalls", .product(name: "SystemPackage", package: "swift-system")]
        ),
        .executableTarget(
            name: "kreboot",
            dependencies: [
                "RebootPlan", "KexecCore", "Quiesce",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Benchmarks (not tests): `swift run -c release kreboot-plan-bench`.
        .executableTarget(name: "kreboot-plan-bench", dependencies: ["RebootPlan"], path: "Benchmarks/PlanBench"),
        // Fuzzing (not shipped; debug builds, it uses @testable): `make fuzz`, a deterministic mutation driver.
        .executableTarget(name: "kreboot-fuzz", dependencies: ["RebootPlan", "KexecCore"], path: "Fuzz/Driver"),
        .testTarget(name: "RebootPlanTests", dependencies: ["RebootPlan"], resources: [.copy("Fixtures")]),
        .testTarget(name: "KexecCoreTests", dependencies: ["KexecCore", "RebootPlan"]),
        .testTarget(name: "KrebootCLITests", dependencies: ["kreboot"]),
        .testTarget(name: "QuiesceTests", dependencies: ["Quiesce", "KexecCore", "RebootPlan"]),
    ],
    swiftLanguageModes: [.v6]
)
