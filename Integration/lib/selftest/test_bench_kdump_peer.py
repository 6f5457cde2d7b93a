"""Selftest of the kdumpPeer bench's host-side logic (no guest): the 32 MiB bisection and the report table.
Run: python3 Integration/lib/selftest/test_bench_kdump_peer.py"""

import sys
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from kreboot_it.bench_kdump_peer import STEP_MIB, format_table, ratio, smallest_reservation, verdict  # noqa: E402


class SmallestReservationTest(unittest.TestCase):
    def bisect(self, threshold: int, working: int) -> tuple[int, list[int]]:
        probed = []

        def saves(mib: int) -> bool:
            probed.append(mib)
            return mib >= threshold

        return smallest_reservation(saves, working), probed

    def test_finds_the_smallest_multiple_of_the_step_that_saves(self):
        for threshold in (1, 33, 96, 100, 150, 255, 256):
            found, probed = self.bisect(threshold, 256)
            expected = max(STEP_MIB, -(-threshold // STEP_MIB) * STEP_MIB)
            self.assertEqual(found, expected, f"threshold {threshold}: probed {probed}")
            self.assertTrue(all(m % STEP_MIB == 0 for m in probed), probed)
            self.assertLessEqual(len(probed), 4, probed)

    def test_a_working_size_that_is_no_multiple_of_the_step(self):
        found, _ = self.bisect(200, 300)
        self.assertEqual(found, 224)

    def test_nothing_smaller_works(self):
        found, probed = self.bisect(257, 256)
        self.assertEqual(found, 256)
        self.assertNotIn(256, probed)


class ReportTest(unittest.TestCase):
    def test_ratio_and_verdict(self):
        self.assertEqual(ratio(40.0, 50.0), 0.8)
        self.assertIsNone(ratio(None, 50.0))
        self.assertEqual(verdict(0.8, 0.8), "ok")
        self.assertEqual(verdict(0.81, 0.8), "MISSED")
        self.assertEqual(verdict(None, 0.8), "n/a")

    def test_table_names_both_tools_and_the_targets(self):
        tool = {"panicToSaved": 30.0, "panicToReady": 120.0, "dumpBytes": 50 * 1048576, "dumpPercentOfRAM": 2.44,
                "smallestCrashkernelMiB": 192}
        section = {"memoryMiB": 2048, "crashkernel": "crashkernel=320M", "kreboot": tool,
                   "kdumpTools": {**tool, "panicToReady": 150.0, "smallestCrashkernelMiB": 224},
                   "ratios": {"panicToSaved": 1.0, "panicToReady": 0.8, "dumpSize": 1.0, "smallestCrashkernel": 0.857},
                   "targets": {"panicToReady": 0.8, "smallestCrashkernel": 1.0, "dumpPercentOfRAM": 5.0},
                   "checks": {"panicToReady": "ok", "smallestCrashkernel": "ok", "dumpPercentOfRAM": "ok"}}
        text = "\n".join(format_table(section))
        self.assertIn("kdumpTools", text)
        self.assertIn("150.00", text)
        self.assertIn("224", text)
        self.assertIn("smallestCrashkernel <= 1.0 ok", text)


if __name__ == "__main__":
    unittest.main()
