# -*- coding: utf-8 -*-
# Copyright: kreboot contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""kreboot_reboot: a kexec reboot through kreboot, the way ansible.builtin.reboot does a firmware reboot.

Records the boot id, starts `kreboot --yes` detached from the SSH session in a transient systemd
service (IgnoreOnIsolate=yes: the rescue isolate that stops sshd and this session does not stop it;
its output goes to /run), treats the connection drop as expected, and polls until either the boot id
changed (then `kreboot status --json` must report the reboot verified) or the service ended in the
same boot (a refusal: kreboot changed nothing or rolled back; 75 is retried after retry_delay)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import random
import re
import time

from ansible.errors import AnsibleConnectionFailure
from ansible.module_utils.common.text.converters import to_text
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display
from ansible_collections.kreboot.kexec.plugins.module_utils.kreboot import (
    TARGET_ARGUMENT_SPEC, TEMPORARY, meaning, shell_words, target_options)

display = Display()

BOOT_ID = 'cat /proc/sys/kernel/random/boot_id'
LOG_DIR = '/run'


def kreboot_message(output, lines=3):
    """kreboot's own words from its output: the last few lines that are not step progress (`[3/7] …`)."""
    words = [line.strip() for line in output.splitlines()
             if line.strip() and not re.match(r'^\[\s*\d+/\d+\]', line.strip())]
    return ' | '.join(words[-lines:])


class ActionModule(ActionBase):

    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(list(TARGET_ARGUMENT_SPEC) + [
        'reboot_timeout', 'connect_timeout', 'retries', 'retry_delay', 'unit', 'verify'])

    def _arg(self, name, default):
        value = self._task.args.get(name)
        return default if value is None else value

    def _run(self, command):
        return self._low_level_execute_command(command, sudoable=True)

    def _reset(self):
        try:
            self._connection.reset()
        except (AnsibleConnectionFailure, AttributeError):
            pass

    def _keepalive(self):
        """While waiting, ssh must notice a peer that vanished: a connection open when the host kexec'd has no
        other end any more, and behind a NAT (or qemu's user networking) nothing tells the client, so a probe
        would hang for ever. ServerAlive probes end it within 15 s; a reset makes the next connection use them."""
        if self._connection.transport not in ('ssh', 'ansible.builtin.ssh'):
            return
        try:
            extra = self._connection.get_option('ssh_extra_args') or ''
        except KeyError:
            extra = ''
        if 'ServerAliveInterval' not in extra:
            self._connection.set_option('ssh_extra_args', (extra + ' -o ServerAliveInterval=5 -o ServerAliveCountMax=3').strip())
        self._reset()

    def _probe(self, unit):
        """(boot id, the unit's properties) or None while the host does not answer. Every probe opens a new
        connection: a persistent one (ssh ControlPersist) to the boot that kexec'd never answers again, and
        through a NAT or qemu's user networking it does not fail either: it hangs."""
        self._reset()
        command = "%s; SYSTEMD_PAGER=cat systemctl --no-pager show -p LoadState -p ActiveState -p Result -p ExecMainCode -p ExecMainStatus %s" % (
            BOOT_ID, unit)
        try:
            result = self._run(command)
        except AnsibleConnectionFailure as error:
            display.vvv('kreboot_reboot: host does not answer (%s)' % to_text(error).splitlines()[-1:])
            self._reset()
            return None
        except Exception as error:  # the connection plugin may raise other errors while sshd is stopped
            display.vvv('kreboot_reboot: probe failed: %s' % to_text(error))
            self._reset()
            return None
        if result.get('rc') not in (0, 1) or not result.get('stdout', '').strip():
            return None
        lines = result['stdout'].strip().splitlines()
        properties = dict(line.split('=', 1) for line in lines[1:] if '=' in line)
        return lines[0].strip(), properties

    def _output(self, unit_log):
        try:
            result = self._run('cat %s 2>/dev/null' % unit_log)
            return to_text(result.get('stdout', '')).strip()
        except Exception:
            return ''

    def _attempt(self, kreboot, options, unit, boot_id, deadline, connect_timeout):
        """Start kreboot once; return ('rebooted', new boot id) or ('refused', exit code, output) or ('timeout',)."""
        log = '%s/%s.log' % (LOG_DIR, unit)
        start = ('systemctl --no-pager reset-failed %(unit)s.service >/dev/null 2>&1; '
                 'systemd-run --unit=%(unit)s --description="kreboot reboot started by Ansible" '
                 '-p IgnoreOnIsolate=yes -p StandardOutput=truncate:%(log)s -p StandardError=append:%(log)s '
                 '-- %(command)s </dev/null') % dict(unit=unit, log=log, command=shell_words([kreboot, '--yes'] + options))
        display.vv('kreboot_reboot: %s' % start)
        try:
            started = self._run(start)
            if started.get('rc') != 0:
                return ('refused', started.get('rc'), 'could not start kreboot: %s' % to_text(
                    started.get('stderr') or started.get('stdout')).strip())
        except AnsibleConnectionFailure:
            display.vvv('kreboot_reboot: connection dropped while starting kreboot (expected)')
            self._reset()
        if connect_timeout:
            try:
                self._connection.set_option('connection_timeout', connect_timeout)
            except Exception:
                pass
        self._keepalive()
        failures = 0
        while time.time() < deadline:
            probe = self._probe(unit)
            if probe is not None:
                current, properties = probe
                if current and current != boot_id:
                    return ('rebooted', current)
                finished = properties.get('ActiveState') in ('inactive', 'failed')
                status = int(properties.get('ExecMainStatus') or 0)
                if finished and status != 0:
                    return ('refused', status, self._output(log))
                failures = 0
            else:
                failures += 1
            time.sleep(min(1 + failures, 5) + random.random() / 2)
        return ('timeout',)

    def _verify(self, kreboot, boot_id, deadline):
        """`kreboot status --json` in the new boot: (verified?, lastReboot, message)."""
        last = {}
        message = ''
        while True:
            try:
                self._reset()
                result = self._run('%s status --json </dev/null' % shell_words([kreboot]))
                status = json.loads(result.get('stdout') or '{}')
                last = status.get('lastReboot') or {}
                if last.get('state') == 'verified':
                    if last.get('fromBootID') and last['fromBootID'].replace('-', '') != boot_id.replace('-', ''):
                        return False, last, 'kreboot status verifies a reboot from boot %s, not from %s' % (
                            last['fromBootID'], boot_id)
                    return True, last, ''
                message = 'kreboot status --json (exit %s) reports %r' % (result.get('rc'), last.get('state'))
            except (AnsibleConnectionFailure, ValueError) as error:
                message = 'kreboot status --json: %s' % to_text(error)
                self._reset()
            if time.time() >= deadline:
                return False, last, message
            time.sleep(2)

    def run(self, tmp=None, task_vars=None):
        self._supports_check_mode = True
        result = super(ActionModule, self).run(tmp, task_vars)
        result.update(changed=False, rebooted=False)
        if self._connection.transport == 'local':
            result.update(failed=True, msg='kreboot_reboot with a local connection would reboot the control node')
            return result
        args = self._task.args
        params = dict((name, args.get(name, spec.get('default'))) for name, spec in TARGET_ARGUMENT_SPEC.items())
        kreboot = params['kreboot_path'] or 'kreboot'
        options = target_options(params)
        unit = self._arg('unit', 'kreboot-ansible')
        reboot_timeout = int(self._arg('reboot_timeout', 600))
        connect_timeout = self._arg('connect_timeout', None)
        retries = int(self._arg('retries', 3))
        retry_delay = float(self._arg('retry_delay', 30))
        verify = bool(self._arg('verify', True))

        if self._play_context.check_mode:
            # The plan is what a real run would do: report it, change nothing.
            plan = self._execute_module(module_name='kreboot.kexec.kreboot_plan',
                                        module_args=dict((k, v) for k, v in params.items()), task_vars=task_vars)
            plan.pop('ansible_facts', None)
            result.update(plan)
            result.update(changed=bool(plan.get('would_proceed')), rebooted=False)
            return result

        first = self._run(BOOT_ID)
        boot_id = to_text(first.get('stdout', '')).strip()
        if first.get('rc') != 0 or not boot_id:
            result.update(failed=True, msg='cannot read the boot id: %s' % to_text(first.get('stderr')).strip())
            return result
        result['previous_boot_id'] = boot_id
        attempts = []
        started = time.time()
        for attempt in range(1, retries + 2):
            deadline = time.time() + reboot_timeout
            outcome = self._attempt(kreboot, options, unit, boot_id, deadline, connect_timeout)
            if outcome[0] == 'rebooted':
                attempts.append(dict(attempt=attempt, exit_code=None, outcome='rebooted'))
                result.update(rebooted=True, changed=True, boot_id=outcome[1], attempts=attempts)
                break
            if outcome[0] == 'timeout':
                attempts.append(dict(attempt=attempt, exit_code=None, outcome='timeout'))
                result.update(failed=True, attempts=attempts, elapsed=int(time.time() - started),
                              msg='the host did not come back with a new boot id within %d s' % reboot_timeout)
                return result
            code, output = outcome[1], outcome[2]
            attempts.append(dict(attempt=attempt, exit_code=code, meaning=meaning(code), output=output))
            display.display('%s: kreboot exited %s (%s): %s' % (
                self._task.get_name() or 'kreboot_reboot', code, meaning(code), kreboot_message(output, 1)))
            if code == TEMPORARY and attempt <= retries:
                display.vv('kreboot_reboot: retrying in %s s (attempt %d of %d)' % (retry_delay, attempt + 1, retries + 1))
                time.sleep(retry_delay)
                continue
            last_line = kreboot_message(output)
            result.update(failed=True, exit_code=code, attempts=attempts, output=output,
                          elapsed=int(time.time() - started),
                          msg='kreboot exited %s (%s)%s: %s' % (
                              code, meaning(code),
                              ' after %d attempts' % attempt if code == TEMPORARY else '', last_line))
            return result

        release = self._run('uname -r')
        result['release'] = to_text(release.get('stdout', '')).strip()
        if verify:
            verified, last, message = self._verify(kreboot, boot_id, time.time() + min(reboot_timeout, 120))
            result['last_reboot'] = last
            if not verified:
                result.update(failed=True, msg='rebooted into boot %s, but not verified: %s' % (result['boot_id'], message))
        result['elapsed'] = int(time.time() - started)
        if not result.get('failed'):
            result['msg'] = 'kexec reboot into %s verified (boot %s, %d attempt(s))' % (
                result['release'], result['boot_id'], len(attempts))
        return result
