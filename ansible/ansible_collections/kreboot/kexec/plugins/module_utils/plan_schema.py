# -*- coding: utf-8 -*-
# Copyright: kreboot contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""kreboot's plan contract (schema/plan-v1.schema.json) and a validator for the subset of JSON Schema
2020-12 that file uses, so a managed host needs no jsonschema package.

SCHEMA_JSON is a copy of schema/plan-v1.schema.json; `schema/check-plans --sync` rewrites it and
`make schema-check` fails when the two differ."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import re

SCHEMA_VERSION = 1

# BEGIN SCHEMA (generated from schema/plan-v1.schema.json: do not edit by hand)
SCHEMA_JSON = r'''
{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://github.com/kreboot/kreboot/schema/plan-v1.schema.json",
  "title": "kreboot plan, schemaVersion 1",
  "description": "What `kreboot --dry-run --json` (and `kreboot plan --json`) prints: the whole run as data. Strict where meaning is fixed (schemaVersion, mode, step actions and each action's fields, check status); open to additive keys everywhere else: kreboot may add keys, and they may not change the meaning of the keys below. A new step action is a change of meaning and fails validation on purpose: tooling must not run a plan whose steps it does not know.",
  "type": "object",
  "required": ["schemaVersion", "mode", "ok", "steps", "checks"],
  "properties": {
    "schemaVersion": {"const": 1},
    "mode": {"enum": ["reboot", "kdump-test"]},
    "ok": {"type": "boolean", "description": "true when no check failed: a real run with the same options would proceed"},
    "target": {"$ref": "#/$defs/target"},
    "steps": {"type": "array", "items": {"$ref": "#/$defs/step"}},
    "checks": {"type": "array", "items": {"$ref": "#/$defs/check"}},
    "runningCommandLine": {"type": "string", "description": "/proc/cmdline of the running kernel (only when planning for the running system)"},
    "commandLineChange": {
      "type": "object",
      "required": ["added", "removed"],
      "properties": {
        "added": {"$ref": "#/$defs/strings"},
        "removed": {"$ref": "#/$defs/strings"}
      }
    },
    "root": {"type": "string", "description": "the --root directory the plan was made for (\"/\" for this system)"},
    "isForRunningSystem": {"type": "boolean"},
    "policy": {"$ref": "#/$defs/policy"},
    "capture": {
      "type": "object",
      "description": "a kdump test's capture side: who armed the capture kernel (kreboot, kdump-tools, kdump-utils, suse-kdump, unknown), whether before this plan (then kreboot loads none over it), who saves the dump where, and how kreboot's capture command line was built",
      "required": ["armedBy", "loadedBefore", "savedBy"],
      "properties": {
        "armedBy": {"type": "string"},
        "loadedBefore": {"type": "boolean"},
        "savedBy": {"type": "string"},
        "saveDirectory": {"$ref": "#/$defs/path"},
        "layout": {"type": "string"},
        "commandLineRule": {"type": "string"},
        "configError": {"type": "string", "description": "the malformed kdump configuration value, one line naming the file and the option (the kdump-config check fails, exit 78); never a password"},
        "delivery": {
          "type": "object",
          "description": "where the capture boot sends the dump, the network it brings up for that (KDUMP_NETCONFIG) and who is notified; every password is masked as *** and only passwordSet says one is configured",
          "required": ["target", "network", "notification"],
          "properties": {
            "target": {
              "type": "object",
              "required": ["url", "scheme", "path", "passwordSet", "option"],
              "properties": {
                "url": {"type": "string", "description": "the target as a URL with the password as ***"},
                "scheme": {"enum": ["file", "nfs", "cifs", "sftp", "ftp"]},
                "host": {"type": "string"},
                "port": {"type": "integer", "minimum": 1, "maximum": 65535},
                "user": {"type": "string"},
                "passwordSet": {"type": "boolean"},
                "path": {"type": "string"},
                "sshKey": {"type": "string"},
                "mountOptions": {"type": "array", "items": {"type": "string"}},
                "option": {"type": "string", "description": "the configuration option it came from (KDUMP_SAVEDIR, SSH, NFS, ssh, nfs …)"}
              }
            },
            "network": {
              "type": "object",
              "required": ["mode", "force", "timeoutSeconds"],
              "properties": {
                "interface": {"type": "string"},
                "vlanParent": {"type": "string"},
                "vlanID": {"type": "integer", "minimum": 1, "maximum": 4094},
                "mode": {"enum": ["none", "auto", "static", "dhcp4", "dhcp6", "auto6"]},
                "force": {"type": "boolean"},
                "timeoutSeconds": {"type": "integer", "minimum": 1}
              }
            },
            "notification": {
              "type": "object",
              "required": ["passwordSet", "to", "cc", "summary"],
              "properties": {
                "smtpHost": {"type": "string"},
                "smtpPort": {"type": "integer", "minimum": 1, "maximum": 65535},
                "smtpUser": {"type": "string"},
                "passwordSet": {"type": "boolean"},
                "to": {"type": "array", "items": {"type": "string"}},
                "cc": {"type": "array", "items": {"type": "string"}},
                "postScript": {"type": "string"},
                "summary": {"type": "string"}
              }
            }
          }
        }
      }
    },
    "loadPath": {
      "type": "object",
      "description": "how the kernel is loaded, said up front: kreboot's kexec_file_load, or kexec-tools' kexec_load on a kernel built without kexec_file_load (Debian's arm64 kernels); whether the image's signature is checked that way",
      "required": ["syscall", "loader", "signature"],
      "properties": {
        "syscall": {"enum": ["kexec_file_load", "kexec_load"]},
        "loader": {"enum": ["kreboot", "kexec-tools"]},
        "signature": {"enum": ["enforced", "kernel-policy", "not-checked"], "description": "enforced: lockdown loads only signed kernels; kernel-policy: kexec_file_load checks it as the kernel was built to (KEXEC_SIG); not-checked: kexec_load checks no signature"},
        "reason": {"type": "string"}
      }
    }
  },
  "$defs": {
    "strings": {"type": "array", "items": {"type": "string"}},
    "path": {"type": "string", "minLength": 1, "description": "a path as the target system sees it (without the --root prefix)"},
    "count": {"type": "integer", "minimum": 0},
    "target": {
      "type": "object",
      "required": ["kernel", "initrds", "commandLine", "source"],
      "properties": {
        "kernel": {"$ref": "#/$defs/path"},
        "initrds": {"type": "array", "items": {"$ref": "#/$defs/path"}},
        "commandLine": {"type": "string"},
        "release": {"type": "string", "description": "the kernel's release (uname -r) read from the image; absent when the image could not be read"},
        "arch": {"type": "string"},
        "format": {"type": "string"},
        "source": {
          "type": "object",
          "required": ["kind"],
          "properties": {
            "kind": {"type": "string", "description": "where the entry came from; so far grub, bls, symlink, explicit, kdump-config", "examples": ["grub", "bls", "symlink", "explicit", "kdump-config"]},
            "id": {"type": "string"},
            "title": {"type": "string"},
            "file": {"type": "string"},
            "rule": {"type": "string", "description": "why this entry: the boot loader setting that chose it"}
          }
        }
      }
    },
    "check": {
      "type": "object",
      "required": ["id", "status", "message"],
      "properties": {
        "id": {"type": "string", "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$", "description": "so far: root, kexec-supported, kexec-load-disabled, lockdown, mount-table, boot-entry, kernel-image, initrd, sessions, crashkernel, dump-space, already-loaded, swap, kernel-values, network-mounts, capture, secure-boot, signature, load-path, crash-capture, kdump-config (new checks add ids)"},
        "status": {"enum": ["pass", "warn", "fail"]},
        "message": {"type": "string"}
      }
    },
    "policy": {
      "type": "object",
      "required": ["strategy", "ignoreSessions", "ignoreInhibitors"],
      "properties": {
        "strategy": {"enum": ["kreboot", "systemd"]},
        "ignoreSessions": {"type": "boolean"},
        "ignoreInhibitors": {"type": "boolean"},
        "detachUnreachableNetworkMounts": {"type": "boolean", "description": "--detach-unreachable-network-mounts: a network mount whose server did not answer the preflight probe is detached lazily instead of refusing the run"},
        "busyRetry": {
          "type": "object",
          "required": ["attempts"],
          "properties": {
            "attempts": {"$ref": "#/$defs/count"},
            "interval": {
              "description": "the pause before each further remount attempt, in seconds",
              "type": "number", "minimum": 0
            }
          }
        }
      }
    },
    "image": {
      "required": ["kernel", "initrds", "commandLine"],
      "properties": {
        "kernel": {"$ref": "#/$defs/path"},
        "initrds": {"type": "array", "items": {"$ref": "#/$defs/path"}},
        "commandLine": {"type": "string"}
      }
    },
    "networkUnmount": {
      "type": "object",
      "description": "on the unmount of a network file system (or of a mount on top of one): run before the isolate, while the network is up, in a child bounded by timeoutSeconds (a timeout rolls back, 75); with detach, a lazy detach (umount2 MNT_DETACH, MNT_FORCE when force) because the server did not answer the preflight probe and --detach-unreachable-network-mounts was given",
      "required": ["server", "timeoutSeconds", "probe", "detach", "force"],
      "properties": {
        "server": {"type": "string", "minLength": 1},
        "timeoutSeconds": {"type": "number", "minimum": 0},
        "probe": {"enum": ["reachable", "unreachable", "failed", "notProbed"]},
        "detach": {"type": "boolean"},
        "force": {"type": "boolean"}
      }
    },
    "step": {
      "type": "object",
      "required": ["action"],
      "properties": {
        "action": {"enum": ["load", "loadCrash", "clearGrubNextEntry", "clearSystemdBootOneShot", "isolate", "swapOff", "moveJournal", "unmount", "remountReadOnly", "sync", "exec", "panic", "handOver"]}
      },
      "allOf": [
        {"if": {"properties": {"action": {"const": "load"}}}, "then": {"$ref": "#/$defs/image"}},
        {"if": {"properties": {"action": {"const": "loadCrash"}}}, "then": {"$ref": "#/$defs/image"}},
        {"if": {"properties": {"action": {"const": "clearGrubNextEntry"}}}, "then": {"required": ["path"], "properties": {"path": {"$ref": "#/$defs/path"}}}},
        {"if": {"properties": {"action": {"const": "clearSystemdBootOneShot"}}}, "then": {"required": ["variable", "entry"], "properties": {"variable": {"type": "string", "pattern": "^LoaderEntryOneShot-[0-9a-f-]{36}$"}, "entry": {"type": "string"}}}},
        {"if": {"properties": {"action": {"const": "isolate"}}}, "then": {"required": ["unit"], "properties": {"unit": {"type": "string", "minLength": 1}}}},
        {"if": {"properties": {"action": {"const": "swapOff"}}}, "then": {
          "required": ["path", "kind", "sizeBytes", "usedBytes"],
          "properties": {"path": {"$ref": "#/$defs/path"}, "kind": {"enum": ["file", "partition"]},
                         "sizeBytes": {"$ref": "#/$defs/count"}, "usedBytes": {"$ref": "#/$defs/count"}}}},
        {"if": {"properties": {"action": {"const": "moveJournal"}}}, "then": {"required": ["path"], "properties": {"path": {"$ref": "#/$defs/path"}}}},
        {"if": {"properties": {"action": {"const": "unmount"}}}, "then": {
          "required": ["path", "source", "fstype", "vfsOptions", "fsOptions", "fsRoot", "mountID", "parentID"],
          "properties": {"path": {"$ref": "#/$defs/path"}, "source": {"type": "string"}, "fstype": {"type": "string", "minLength": 1},
                         "vfsOptions": {"type": "string"}, "fsOptions": {"type": "string"}, "fsRoot": {"type": "string"},
                         "device": {"type": "string"}, "mountID": {"type": "integer"}, "parentID": {"type": "integer"},
                         "network": {"$ref": "#/$defs/networkUnmount"}}}},
        {"if": {"properties": {"action": {"const": "remountReadOnly"}}}, "then": {"required": ["path"], "properties": {"path": {"$ref": "#/$defs/path"}}}},
        {"if": {"properties": {"action": {"const": "handOver"}}}, "then": {
          "required": ["unit", "mode"], "properties": {"unit": {"type": "string", "minLength": 1}, "mode": {"type": "string", "minLength": 1}}}}
      ]
    }
  }
}
'''
# END SCHEMA

SCHEMA = json.loads(SCHEMA_JSON) if SCHEMA_JSON.strip() else {}

_TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "null": lambda v: v is None,
}


def _resolve(root, ref):
    if not ref.startswith("#/"):
        raise ValueError("only local $ref is supported: %s" % ref)
    node = root
    for part in ref[2:].split("/"):
        node = node[part]
    return node


def _errors(root, schema, value, where):
    """Yield one message per violation of `schema` by `value` at JSON path `where`."""
    if "$ref" in schema:
        for error in _errors(root, _resolve(root, schema["$ref"]), value, where):
            yield error
    if "type" in schema and not _TYPES[schema["type"]](value):
        yield "%s: expected %s, got %s" % (where, schema["type"], type(value).__name__)
        return
    if "const" in schema and value != schema["const"]:
        yield "%s: expected %r, got %r" % (where, schema["const"], value)
    if "enum" in schema and value not in schema["enum"]:
        yield "%s: %r is not one of %s" % (where, value, ", ".join(str(e) for e in schema["enum"]))
    if isinstance(value, str):
        if len(value) < schema.get("minLength", 0):
            yield "%s: shorter than %d" % (where, schema["minLength"])
        if "pattern" in schema and not re.search(schema["pattern"], value):
            yield "%s: %r does not match %s" % (where, value, schema["pattern"])
    if _TYPES["number"](value) and "minimum" in schema and value < schema["minimum"]:
        yield "%s: %r is below %r" % (where, value, schema["minimum"])
    if isinstance(value, dict):
        for key in schema.get("required", []):
            if key not in value:
                yield "%s: %r is missing" % (where, key)
        for key, sub in schema.get("properties", {}).items():
            if key in value:
                for error in _errors(root, sub, value[key], "%s.%s" % (where, key)):
                    yield error
    if isinstance(value, list):
        if len(value) < schema.get("minItems", 0):
            yield "%s: fewer than %d items" % (where, schema["minItems"])
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            yield "%s: more than %d items" % (where, schema["maxItems"])
        prefix = schema.get("prefixItems", [])
        for index, item in enumerate(value):
            sub = prefix[index] if index < len(prefix) else schema.get("items")
            if sub is not None:
                for error in _errors(root, sub, item, "%s[%d]" % (where, index)):
                    yield error
    for sub in schema.get("allOf", []):
        for error in _errors(root, sub, value, where):
            yield error
    if "anyOf" in schema and not any(not list(_errors(root, sub, value, where)) for sub in schema["anyOf"]):
        yield "%s: matches none of the allowed forms" % where
    if "if" in schema and not list(_errors(root, schema["if"], value, where)):
        for error in _errors(root, schema.get("then", {}), value, where):
            yield error


def plan_errors(plan, schema=None):
    """Every violation of the plan contract by `plan` (a decoded JSON value), as `$.path: message` strings."""
    schema = schema or SCHEMA
    return list(_errors(schema, schema, plan, "$"))
