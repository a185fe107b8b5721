'''Fake bluetoothd for Cabin's BLE transport tests: python-dbusmock's bluez5 template plus what it lacks.

Loaded with `python3 -m dbusmock --system -t bluez_gatt.py` on a private dbus-daemon (test/helpers/fake-bluez).
The stock template (0.28.7) has no GATT, does not declare PropertiesChanged in its introspection, fails
StartDiscovery without a prior SetDiscoveryFilter, keeps Connected out of the properties on Connect, and pairs
without asking any agent. This file patches those here, never in the system package.

What it does not prove: radio, ATT timing, MTU, real bonding (keys, encryption), bluetoothd's own caching.
'''

from dbusmock.templates.bluez5 import *  # noqa: F401,F403 (the template's names: BUS_NAME, SYSTEM_BUS, ...)
import dbusmock.templates.bluez5 as _bluez5
import dbus
import dbus.service
from dbusmock import OBJECT_MANAGER_IFACE, mockobject
from gi.repository import GLib

GATT_SERVICE_IFACE = 'org.bluez.GattService1'
GATT_CHARACTERISTIC_IFACE = 'org.bluez.GattCharacteristic1'
AGENT_IFACE = 'org.bluez.Agent1'
_ADAPTER = _bluez5.ADAPTER_IFACE
_DEVICE = _bluez5.DEVICE_IFACE
_MOCK = _bluez5.BLUEZ_MOCK_IFACE

# 1. dbus-next subscribes only to introspected signals: declare PropertiesChanged.
_orig_introspect = mockobject.DBusMockObject.Introspect
_P = '<interface name="org.freedesktop.DBus.Properties">'
_SIG = _P + '<signal name="PropertiesChanged"><arg type="s"/><arg type="a{sv}"/><arg type="as"/></signal>'


def _introspect(self, object_path, connection):
    return _orig_introspect(self, object_path, connection).replace(_P, _SIG, 1)


mockobject.DBusMockObject.Introspect = dbus.service.method(
    dbus.INTROSPECTABLE_IFACE, in_signature='', out_signature='s',
    path_keyword='object_path', connection_keyword='connection')(_introspect)


def _error(name, text):
    return dbus.exceptions.DBusException(text, name='org.bluez.Error.' + name)


def _changed(obj, iface, props):
    for k, v in props.items():
        obj.props[iface][k] = v
    obj.EmitSignal(dbus.PROPERTIES_IFACE, 'PropertiesChanged', 'sa{sv}as', [iface, props, []])


# 2. Discovery without a prior SetDiscoveryFilter (the stock one raises KeyError 'DiscoveryFilter').
@dbus.service.method(_ADAPTER, in_signature='', out_signature='')
def StartDiscovery(adapter):
    if adapter.props[_ADAPTER]['Discovering']:
        raise _error('InProgress', 'Operation already in progress')
    _changed(adapter, _ADAPTER, {'Discovering': dbus.Boolean(True, variant_level=1)})


@dbus.service.method(_ADAPTER, in_signature='', out_signature='')
def StopDiscovery(adapter):
    if not adapter.props[_ADAPTER]['Discovering']:
        raise _error('Failed', 'No discovery started')
    _changed(adapter, _ADAPTER, {'Discovering': dbus.Boolean(False, variant_level=1)})


@dbus.service.method(_ADAPTER, in_signature='a{sv}', out_signature='')
def SetDiscoveryFilter(adapter, discovery_filter):
    adapter.discovery_filter = dict(discovery_filter)


# 3. RemoveDevice removes the device's GATT objects too (children first), as bluetoothd does.
def _remove_tree(path):
    manager = mockobject.objects['/']
    for child in sorted([p for p in mockobject.objects if p.startswith(path + '/')], key=len, reverse=True):
        ifaces = list(mockobject.objects[child].props.keys())
        manager.RemoveObject(child)
        manager.EmitSignal(OBJECT_MANAGER_IFACE, 'InterfacesRemoved', 'oas', [dbus.ObjectPath(child), ifaces])
    manager.RemoveObject(path)
    manager.EmitSignal(OBJECT_MANAGER_IFACE, 'InterfacesRemoved', 'oas', [dbus.ObjectPath(path), [_DEVICE]])


@dbus.service.method(_ADAPTER, in_signature='o', out_signature='')
def RemoveDevice(adapter, path):
    if str(path) not in mockobject.objects or not str(path).startswith(adapter.path + '/'):
        raise _error('DoesNotExist', 'Does Not Exist')
    _remove_tree(str(path))


_bluez5.StartDiscovery = StartDiscovery
_bluez5.StopDiscovery = StopDiscovery
_bluez5.SetDiscoveryFilter = SetDiscoveryFilter
_bluez5.RemoveDevice = RemoveDevice


# 4. Connect / Disconnect keep the Connected property and resolve services, like bluetoothd.
def _characteristics(device):
    return [mockobject.objects[p] for p in list(mockobject.objects)
            if p.startswith(device.path + '/') and GATT_CHARACTERISTIC_IFACE in mockobject.objects[p].props]


def _connect(device):
    props = device.props[_DEVICE]
    if props['Connected']:
        raise _error('AlreadyConnected', 'Already Connected')
    if getattr(device, 'connect_error', ''):
        raise _error(device.connect_error, 'le-connection-abort-by-local')
    device.connect_count = getattr(device, 'connect_count', 0) + 1
    _changed(device, _DEVICE, {'Connected': dbus.Boolean(True, variant_level=1)})
    if not getattr(device, 'stalls', False):
        _changed(device, _DEVICE, {'ServicesResolved': dbus.Boolean(True, variant_level=1)})


def _drop(device):
    for char in _characteristics(device):
        if char.props[GATT_CHARACTERISTIC_IFACE]['Notifying']:
            _changed(char, GATT_CHARACTERISTIC_IFACE, {'Notifying': dbus.Boolean(False, variant_level=1)})
    _changed(device, _DEVICE, {'ServicesResolved': dbus.Boolean(False, variant_level=1),
                               'Connected': dbus.Boolean(False, variant_level=1)})


def _disconnect(device):
    if not device.props[_DEVICE]['Connected']:
        raise _error('NotConnected', 'Not Connected')
    _drop(device)


# 5. Pair asks the caller's agent (or the default one) as bluetoothd would for the device's pairing mode.
@dbus.service.method(_DEVICE, in_signature='', out_signature='', sender_keyword='sender', async_callbacks=('ok', 'err'))
def _pair(device, sender=None, ok=None, err=None):
    device.log('Pair')
    device.call_log.append((0, 'Pair', []))
    props = device.props[_DEVICE]
    if props['Paired']:
        err(_error('AlreadyExists', 'Already Exists'))
        return
    mode, expected = getattr(device, 'pairing', ('just-works', 0))
    manager = mockobject.objects['/org/bluez']
    agent = manager.agent_of.get(str(sender)) if sender else None
    owner = str(sender)
    if agent is None and manager.default_agent is not None:
        agent = manager.default_agent
        owner = manager.agent_owner[agent]

    def paired(*_):
        _changed(device, _DEVICE, {'Paired': dbus.Boolean(True, variant_level=1)})
        ok()

    def agent_error(e):
        name = e.get_dbus_name() if hasattr(e, 'get_dbus_name') else ''
        err(_error('AuthenticationCanceled' if name == 'org.bluez.Error.Canceled' else 'AuthenticationRejected',
                   'Authentication Rejected'))

    if mode == 'fail':
        err(_error('AuthenticationFailed', 'Authentication Failed'))
        return
    if mode == 'hang':
        return  # never answers: the caller's own timeout must act
    if agent is None:
        if mode == 'just-works':
            paired()
        else:
            err(_error('AuthenticationFailed', 'Authentication Failed'))
        return
    path = dbus.ObjectPath(device.path)
    proxy = device.connection.get_object(owner, agent, introspect=False)
    if mode == 'passkey':
        def check(passkey):
            if int(passkey) == int(expected):
                paired()
            else:
                err(_error('AuthenticationFailed', 'Authentication Failed'))
        proxy.RequestPasskey(path, dbus_interface=AGENT_IFACE, reply_handler=check, error_handler=agent_error, timeout=10)
    elif mode == 'confirm':
        proxy.RequestConfirmation(path, dbus.UInt32(expected), dbus_interface=AGENT_IFACE, reply_handler=paired,
                                  error_handler=agent_error, timeout=10)
    else:
        proxy.RequestAuthorization(path, dbus_interface=AGENT_IFACE, reply_handler=paired, error_handler=agent_error,
                                   timeout=10)


@dbus.service.method(_bluez5.AGENT_MANAGER_IFACE, in_signature='os', out_signature='', sender_keyword='sender')
def _register_agent(manager, agent_path, capability, sender=None):
    if capability not in ['DisplayOnly', 'DisplayYesNo', 'KeyboardOnly', 'NoInputNoOutput', 'KeyboardDisplay']:
        raise _error('InvalidArguments', 'Unsupported capability ' + capability)
    if str(sender) in manager.agent_of:
        raise _error('AlreadyExists', 'Already Exists')
    manager.agent_of[str(sender)] = str(agent_path)
    manager.agent_owner[str(agent_path)] = str(sender)
    manager.capabilities[str(agent_path)] = str(capability)


@dbus.service.method(_bluez5.AGENT_MANAGER_IFACE, in_signature='o', out_signature='', sender_keyword='sender')
def _unregister_agent(manager, agent_path, sender=None):
    if manager.agent_of.get(str(sender)) != str(agent_path):
        raise _error('DoesNotExist', 'Does Not Exist')
    del manager.agent_of[str(sender)]
    manager.agent_owner.pop(str(agent_path), None)
    manager.capabilities.pop(str(agent_path), None)
    if manager.default_agent == str(agent_path):
        manager.default_agent = None


@dbus.service.method(_bluez5.AGENT_MANAGER_IFACE, in_signature='o', out_signature='', sender_keyword='sender')
def _request_default_agent(manager, agent_path, sender=None):
    if manager.agent_of.get(str(sender)) != str(agent_path):
        raise _error('DoesNotExist', 'Does Not Exist')
    manager.default_agent = str(agent_path)


def load(mock, parameters):
    _bluez5.load(mock, parameters)
    manager = mockobject.objects['/org/bluez']
    manager.agent_of = {}
    manager.agent_owner = {}
    for name, sig, fn in [('RegisterAgent', 'os', _register_agent), ('UnregisterAgent', 'o', _unregister_agent),
                          ('RequestDefaultAgent', 'o', _request_default_agent)]:
        manager.methods[_bluez5.AGENT_MANAGER_IFACE][name] = (sig, '', '', fn)


def _device(address):
    for path, obj in list(mockobject.objects.items()):
        if _DEVICE in obj.props and str(obj.props[_DEVICE]['Address']).upper() == address.upper():
            return obj
    raise dbus.exceptions.DBusException('No device ' + address, name=_MOCK + '.NoSuchDevice')


@dbus.service.method(_MOCK, in_signature='sss', out_signature='s')
def AddDevice(self, adapter_device_name, device_address, alias):
    '''The stock AddDevice, with Connect/Disconnect/Pair replaced (see above).'''
    path = _bluez5.AddDevice(self, adapter_device_name, device_address, alias)
    device = mockobject.objects[path]
    device.AddMethods(_DEVICE, [('Connect', '', '', _connect), ('Disconnect', '', '', _disconnect)])
    device.methods[_DEVICE]['Pair'] = ('', '', '', _pair)
    return path


@dbus.service.method(_MOCK, in_signature='ssu', out_signature='')
def SetPairing(_self, device_address, mode, passkey):
    '''How the device pairs: just-works (agent RequestAuthorization), passkey (agent RequestPasskey must answer
    `passkey`), confirm (agent RequestConfirmation), fail (AuthenticationFailed), hang (Pair never answers).'''
    _device(device_address).pairing = (str(mode), int(passkey))


@dbus.service.method(_MOCK, in_signature='ss', out_signature='')
def SetConnectError(_self, device_address, error):
    '''Connect fails with org.bluez.Error.<error> ('' to connect again).'''
    _device(device_address).connect_error = str(error)


@dbus.service.method(_MOCK, in_signature='sb', out_signature='')
def SetStalls(_self, device_address, stalls):
    '''Connect succeeds but service discovery never ends (ServicesResolved stays false).'''
    _device(device_address).stalls = bool(stalls)


@dbus.service.method(_MOCK, in_signature='s', out_signature='u')
def ConnectCount(_self, device_address):
    return dbus.UInt32(getattr(_device(device_address), 'connect_count', 0))


@dbus.service.method(_MOCK, in_signature='s', out_signature='')
def DropConnection(_self, device_address):
    '''The device ends the connection (out of range, or done sending).'''
    _drop(_device(device_address))


@dbus.service.method(_MOCK, in_signature='', out_signature='a{ss}')
def Agents(_self):
    '''Registered agents: path → capability.'''
    return dbus.Dictionary(mockobject.objects['/org/bluez'].capabilities, signature='ss')


@dbus.service.method(_MOCK, in_signature='', out_signature='s')
def AgentOwner(_self):
    manager = mockobject.objects['/org/bluez']
    return manager.agent_owner.get(manager.default_agent, '') if manager.default_agent else ''


@dbus.service.method(_MOCK, in_signature='', out_signature='s')
def DefaultAgent(_self):
    return mockobject.objects['/org/bluez'].default_agent or ''


# 6. GATT objects (bluetoothd's layout: <device>/serviceXXXX/charYYYY) with ReadValue/WriteValue/StartNotify.
def _handle(device):
    device.gatt_handle = getattr(device, 'gatt_handle', 0) + 1
    return device.gatt_handle


@dbus.service.method(_MOCK, in_signature='ss', out_signature='s')
def AddGattService(_self, device_path, uuid):
    device = mockobject.objects[str(device_path)]
    path = f'{device_path}/service{_handle(device):04x}'
    props = {
        'UUID': dbus.String(uuid, variant_level=1),
        'Primary': dbus.Boolean(True, variant_level=1),
        'Device': dbus.ObjectPath(device_path, variant_level=1),
        'Includes': dbus.Array([], signature='o', variant_level=1),
    }
    mockobject.objects['/'].AddObject(path, GATT_SERVICE_IFACE, props, [])
    mockobject.objects['/'].EmitSignal(OBJECT_MANAGER_IFACE, 'InterfacesAdded', 'oa{sa{sv}}',
                                       [dbus.ObjectPath(path), {GATT_SERVICE_IFACE: props}])
    return path


def _connected(char):
    device = mockobject.objects[str(char.device_path)]
    if not device.props[_DEVICE]['Connected']:
        raise _error('Failed', 'Not connected')


def _read_value(char, options):
    _connected(char)
    if 'read' not in char.props[GATT_CHARACTERISTIC_IFACE]['Flags']:
        raise _error('NotPermitted', 'Read not permitted')
    value = bytes(char.props[GATT_CHARACTERISTIC_IFACE]['Value'])
    # bluetoothd stores what it read in Value and signals it, subscribed or not.
    _changed(char, GATT_CHARACTERISTIC_IFACE,
             {'Value': dbus.Array([dbus.Byte(b) for b in value], signature='y', variant_level=1)})
    return dbus.ByteArray(value)


def _write_value(char, value, options):
    _connected(char)
    kind = str(options.get('type', 'request'))
    flags = char.props[GATT_CHARACTERISTIC_IFACE]['Flags']
    if (kind == 'command' and 'write-without-response' not in flags) or (kind != 'command' and 'write' not in flags):
        raise _error('NotPermitted', 'Write not permitted')
    char.written.append((bytes(value), kind))
    # The device's scripted answer (a record access response): the first rule whose request is this value, or any.
    for request, responses in getattr(char, 'write_responses', []):
        if len(request) == 0 or bytes(request) == bytes(value):
            _send_later(responses)
            break


def _start_notify(char):
    _connected(char)
    flags = char.props[GATT_CHARACTERISTIC_IFACE]['Flags']
    if 'notify' not in flags and 'indicate' not in flags:
        raise _error('NotSupported', 'Operation is not supported')
    if not char.props[GATT_CHARACTERISTIC_IFACE]['Notifying']:
        _changed(char, GATT_CHARACTERISTIC_IFACE, {'Notifying': dbus.Boolean(True, variant_level=1)})
        # A BPS 1.0 cuff indicates its memory as soon as measurements are subscribed.
        _send_later(getattr(char, 'subscribe_responses', []))


def _stop_notify(char):
    if char.props[GATT_CHARACTERISTIC_IFACE]['Notifying']:
        _changed(char, GATT_CHARACTERISTIC_IFACE, {'Notifying': dbus.Boolean(False, variant_level=1)})


@dbus.service.method(_MOCK, in_signature='ssasay', out_signature='s')
def AddGattCharacteristic(_self, service_path, uuid, flags, value):
    service = mockobject.objects[str(service_path)]
    device_path = str(service.props[GATT_SERVICE_IFACE]['Device'])
    path = f'{service_path}/char{_handle(mockobject.objects[device_path]):04x}'
    props = {
        'UUID': dbus.String(uuid, variant_level=1),
        'Service': dbus.ObjectPath(service_path, variant_level=1),
        'Value': dbus.Array([dbus.Byte(b) for b in value], signature='y', variant_level=1),
        'Notifying': dbus.Boolean(False, variant_level=1),
        'Flags': dbus.Array([str(f) for f in flags], signature='s', variant_level=1),
    }
    mockobject.objects['/'].AddObject(path, GATT_CHARACTERISTIC_IFACE, props, [
        ('ReadValue', 'a{sv}', 'ay', _read_value),
        ('WriteValue', 'aya{sv}', '', _write_value),
        ('StartNotify', '', '', _start_notify),
        ('StopNotify', '', '', _stop_notify),
    ])
    char = mockobject.objects[path]
    char.device_path = device_path
    char.written = []
    mockobject.objects['/'].EmitSignal(OBJECT_MANAGER_IFACE, 'InterfacesAdded', 'oa{sa{sv}}',
                                       [dbus.ObjectPath(path), {GATT_CHARACTERISTIC_IFACE: props}])
    return path


@dbus.service.method(_MOCK, in_signature='say', out_signature='b')
def Notify(_self, char_path, value):
    '''The device sends a notification or indication: only delivered while a client has StartNotify on.'''
    return _send(mockobject.objects[str(char_path)], value)


@dbus.service.method(_MOCK, in_signature='s', out_signature='a(ays)')
def Written(_self, char_path):
    '''What centrals wrote to a characteristic, in order: (bytes, 'request' | 'command').'''
    return dbus.Array([dbus.Struct((dbus.ByteArray(v), k)) for v, k in mockobject.objects[str(char_path)].written],
                      signature='(ays)')


# 7. Scripted devices: what a device sends by itself in answer to a write or a subscription, and a device added with
# its whole GATT table in one call (a central that connects at the first advertisement finds every service).
def _send(char, value):
    '''A notification or indication: only delivered while a client has StartNotify on (else False).'''
    if not char.props[GATT_CHARACTERISTIC_IFACE]['Notifying']:
        return False
    _changed(char, GATT_CHARACTERISTIC_IFACE,
             {'Value': dbus.Array([dbus.Byte(b) for b in value], signature='y', variant_level=1)})
    return True


def _send_later(responses):
    '''Sends (characteristic path, value) pairs in order once the current call has been answered, as a device
    acknowledges a write before it indicates; a pair whose characteristic is not subscribed (or gone) is dropped.'''
    pending = [(str(path), bytes(value)) for path, value in responses]
    if not pending:
        return

    def later():
        for path, value in pending:
            char = mockobject.objects.get(path)
            if char is not None:
                _send(char, value)
        return False
    GLib.idle_add(later)


def _responses(responses):
    return [(str(path), bytes(value)) for path, value in responses]


@dbus.service.method(_MOCK, in_signature='sa(aya(say))', out_signature='')
def SetWriteResponses(_self, char_path, rules):
    '''When a central writes to the characteristic, the first rule whose request equals the value (an empty request:
    any value) sends its (characteristic path, value) list, after the write's reply. Replaces earlier rules.'''
    mockobject.objects[str(char_path)].write_responses = [(bytes(request), _responses(responses)) for request, responses in rules]


@dbus.service.method(_MOCK, in_signature='sa(say)', out_signature='')
def SetSubscribeResponses(_self, char_path, responses):
    '''When a central switches notifications or indications on, the device sends these (after StartNotify's reply).'''
    mockobject.objects[str(char_path)].subscribe_responses = _responses(responses)


@dbus.service.method(_MOCK, in_signature='sssa{sv}a(sa(sasay))', out_signature='a{ss}')
def AddLeDevice(self, adapter_device_name, device_address, alias, props, services):
    '''AddDevice, then the Device1 properties given (UUIDs, RSSI, Paired…), then its services and characteristics, in
    one call: a central that connects at the device's first advertisement gets every service. Returns
    {'device': path, '<service uuid>/<characteristic uuid>': path}.'''
    path = AddDevice(self, adapter_device_name, device_address, alias)
    device = mockobject.objects[path]
    paths = {'device': path}
    for service_uuid, characteristics in services:
        service_path = AddGattService(self, path, str(service_uuid))
        for uuid, flags, value in characteristics:
            paths[f'{service_uuid}/{uuid}'] = AddGattCharacteristic(self, service_path, str(uuid), flags, value)
    if props:
        _changed(device, _DEVICE, dict(props))
    return dbus.Dictionary(paths, signature='ss')
