# SNMP MIB module (VM-MIB) expressed in pysnmp data model.
#
# This Python module is designed to be imported and executed by the
# pysnmp library.
#
# See https://www.pysnmp.com/pysnmp for further information.
#
# Notes
# -----
# ASN.1 source mibs/VM-MIB
# Produced by pysmi-2.0.0 via scripts/compile-mibs

if 'mibBuilder' not in globals():
    import sys

    sys.stderr.write(__doc__)
    sys.exit(1)

# Import base ASN.1 objects even if this MIB does not use it

(Integer,
 OctetString,
 ObjectIdentifier) = mibBuilder.importSymbols(
    "ASN1",
    "Integer",
    "OctetString",
    "ObjectIdentifier")

(NamedValues,) = mibBuilder.importSymbols(
    "ASN1-ENUMERATION",
    "NamedValues")
(ConstraintsIntersection,
 ConstraintsUnion,
 SingleValueConstraint,
 ValueRangeConstraint,
 ValueSizeConstraint) = mibBuilder.importSymbols(
    "ASN1-REFINEMENT",
    "ConstraintsIntersection",
    "ConstraintsUnion",
    "SingleValueConstraint",
    "ValueRangeConstraint",
    "ValueSizeConstraint")

# Import SMI symbols from the MIBs this MIB depends on

(IANAStorageMediaType,) = mibBuilder.importSymbols(
    "IANA-STORAGE-MEDIA-TYPE-MIB",
    "IANAStorageMediaType")

(InterfaceIndexOrZero,) = mibBuilder.importSymbols(
    "IF-MIB",
    "InterfaceIndexOrZero")

(SnmpAdminString,) = mibBuilder.importSymbols(
    "SNMP-FRAMEWORK-MIB",
    "SnmpAdminString")

(ModuleCompliance,
 NotificationGroup,
 ObjectGroup) = mibBuilder.importSymbols(
    "SNMPv2-CONF",
    "ModuleCompliance",
    "NotificationGroup",
    "ObjectGroup")

(Bits,
 Counter64,
 Integer32,
 IpAddress,
 ModuleIdentity,
 MibIdentifier,
 NotificationType,
 ObjectIdentity,
 MibScalar,
 MibTable,
 MibTableRow,
 MibTableColumn,
 TimeTicks,
 Unsigned32,
 iso,
 mib_2) = mibBuilder.importSymbols(
    "SNMPv2-SMI",
    "Bits",
    "Counter64",
    "Integer32",
    "IpAddress",
    "ModuleIdentity",
    "MibIdentifier",
    "NotificationType",
    "ObjectIdentity",
    "MibScalar",
    "MibTable",
    "MibTableRow",
    "MibTableColumn",
    "TimeTicks",
    "Unsigned32",
    "iso",
    "mib-2")

(DisplayString,
 PhysAddress,
 TextualConvention,
 TruthValue) = mibBuilder.importSymbols(
    "SNMPv2-TC",
    "DisplayString",
    "PhysAddress",
    "TextualConvention",
    "TruthValue")

(UUIDorZero,) = mibBuilder.importSymbols(
    "UUID-TC-MIB",
    "UUIDorZero")


# MODULE-IDENTITY

vmMIB = ModuleIdentity(
    (1, 3, 6, 1, 2, 1, 236)
)
if mibBuilder.loadTexts:
    vmMIB.setRevisions(
        ("2015-10-12 00:00",)
    )
if mibBuilder.loadTexts:
    vmMIB.setLastUpdated("201510120000Z")
if mibBuilder.loadTexts:
    vmMIB.setOrganization("IETF Operations and Management Area Working Group")
if mibBuilder.loadTexts:
    vmMIB.setContactInfo("WG Email: opsawg@ietf.org Mailing list subscription info: https://www.ietf.org/mailman/listinfo/opsawg Hirochika Asai The University of Tokyo 7-3-1 Hongo Bunkyo-ku, Tokyo 113-8656 Japan Phone: +81 3 5841 6748 Email: panda@hongo.wide.ad.jp Michael MacFaden VMware Inc. Email: mrm@vmware.com Juergen Schoenwaelder Jacobs University Campus Ring 1 Bremen 28759 Germany Email: j.schoenwaelder@jacobs-university.de Keiichi Shima IIJ Innovation Institute Inc. 3-13 Kanda-Nishikicho Chiyoda-ku, Tokyo 101-0054 Japan Email: keiichi@iijlab.net Tina Tsou Huawei Technologies (USA) 2330 Central Expressway Santa Clara, CA 95050 United States Email: tina.tsou.zouting@huawei.com")
if mibBuilder.loadTexts:
    vmMIB.setDescription("This MIB module is for use in managing a hypervisor and virtual machines controlled by the hypervisor. Copyright (c) 2015 IETF Trust and the persons identified as authors of the code. All rights reserved. Redistribution and use in source and binary forms, with or without modification, is permitted pursuant to, and subject to the license terms contained in, the Simplified BSD License set forth in Section 4.c of the IETF Trust's Legal Provisions Relating to IETF Documents (http://trustee.ietf.org/license-info).")


# Types definitions


# TEXTUAL-CONVENTIONS



class VirtualMachineIndex(TextualConvention, Integer32):
    status = "current"
    displayHint = "d"
    subtypeSpec = Integer32.subtypeSpec
    subtypeSpec += ConstraintsUnion(
        ValueRangeConstraint(1, 2147483647),
    )

    if mibBuilder.loadTexts:
        description = "A unique value, greater than zero, identifying a virtual machine. The value for each virtual machine MUST remain constant at least from one re-initialization of the hypervisor to the next re-initialization."


class VirtualMachineIndexOrZero(TextualConvention, Integer32):
    status = "current"
    displayHint = "d"
    subtypeSpec = Integer32.subtypeSpec
    subtypeSpec += ConstraintsUnion(
        ValueRangeConstraint(0, 2147483647),
    )

    if mibBuilder.loadTexts:
        description = "This textual convention is an extension of the VirtualMachineIndex convention. This extension permits the additional value of zero. The meaning of the value zero is object-specific and MUST therefore be defined as part of the description of any object that uses this syntax. Examples of the usage of zero might include situations where a virtual machine is unknown, or when none or all virtual machines need to be referenced."


class VirtualMachineAdminState(TextualConvention, Integer32):
    status = "current"
    subtypeSpec = Integer32.subtypeSpec
    subtypeSpec += ConstraintsUnion(
        SingleValueConstraint(
            *(1,
              2,
              3,
              4)
        )
    )
    namedValues = NamedValues(
        *(("running", 1),
          ("suspended", 2),
          ("paused", 3),
          ("shutdown", 4))
    )

    if mibBuilder.loadTexts:
        description = "The administrative state of a virtual machine: running(1) The administrative state of the virtual machine indicating the virtual machine is currently online or should be brought online. suspended(2) The administrative state of the virtual machine where its memory and CPU execution state has been saved to persistent store and will be restored at next running(1). paused(3) The administrative state indicating the virtual machine is resident in memory but is no longer scheduled to execute by the hypervisor. shutdown(4) The administrative state of the virtual machine indicating the virtual machine is currently offline or should be shutting down."


class VirtualMachineOperState(TextualConvention, Integer32):
    status = "current"
    subtypeSpec = Integer32.subtypeSpec
    subtypeSpec += ConstraintsUnion(
        SingleValueConstraint(
            *(1,
              2,
              3,
              4,
              5,
              6,
              7,
              8,
              9,
              10,
              11,
              12)
        )
    )
    namedValues = NamedValues(
        *(("unknown", 1),
          ("other", 2),
          ("preparing", 3),
          ("running", 4),
          ("suspending", 5),
          ("suspended", 6),
          ("resuming", 7),
          ("paused", 8),
          ("migrating", 9),
          ("shuttingdown", 10),
          ("shutdown", 11),
          ("crashed", 12))
    )

    if mibBuilder.loadTexts:
        description = "The operational state of a virtual machine: unknown(1) The operational state of the virtual machine is unknown, e.g., because the implementation failed to obtain the state from the hypervisor. other(2) The operational state of the virtual machine indicating that an operational state is obtained from the hypervisor, but it is not a state defined in this MIB module. preparing(3) The operational state of the virtual machine indicating the virtual machine is currently in the process of preparation, e.g., allocating and initializing virtual storage after creating (defining) the virtual machine. running(4) The operational state of the virtual machine indicating the virtual machine is currently executed, but it is not in the process of preparing(3), suspending(5), resuming(7), migrating(9), and shuttingdown(10). suspending(5) The operational state of the virtual machine indicating the virtual machine is currently in the process of suspending to save its memory and CPU execution state to persistent store. This is a transient state from running(4) to suspended(6). suspended(6) The operational state of the virtual machine indicating the virtual machine is currently suspended, which means the memory and CPU execution state of the virtual machine are saved to persistent store. During this state, the virtual machine is not scheduled to execute by the hypervisor. resuming(7) The operational state of the virtual machine indicating the virtual machine is currently in the process of resuming to restore its memory and CPU execution state from persistent store. This is a transient state from suspended(6) to running(4). paused(8) The operational state of the virtual machine indicating the virtual machine is resident in memory but no longer scheduled to execute by the hypervisor. migrating(9) The operational state of the virtual machine indicating the virtual machine is currently in the process of migration from/to another hypervisor. shuttingdown(10) The operational state of the virtual machine indicating the virtual machine is currently in the process of shutting down. This is a transient state from running(4) to shutdown(11). shutdown(11) The operational state of the virtual machine indicating the virtual machine is down, and CPU execution is no longer scheduled by the hypervisor and its memory is not resident in the hypervisor. crashed(12) The operational state of the virtual machine indicating the virtual machine has crashed."


class VirtualMachineAutoStart(TextualConvention, Integer32):
    status = "current"
    subtypeSpec = Integer32.subtypeSpec
    subtypeSpec += ConstraintsUnion(
        SingleValueConstraint(
            *(1,
              2,
              3)
        )
    )
    namedValues = NamedValues(
        *(("unknown", 1),
          ("enabled", 2),
          ("disabled", 3))
    )

    if mibBuilder.loadTexts:
        description = "The autostart configuration of a virtual machine: unknown(1) The autostart configuration is unknown, e.g., because the implementation failed to obtain the autostart configuration from the hypervisor. enabled(2) The autostart configuration of the virtual machine is enabled. The virtual machine should be automatically brought online at the next re-initialization of the hypervisor. disabled(3) The autostart configuration of the virtual machine is disabled. The virtual machine should not be automatically brought online at the next re-initialization of the hypervisor."


class VirtualMachinePersistent(TextualConvention, Integer32):
    status = "current"
    subtypeSpec = Integer32.subtypeSpec
    subtypeSpec += ConstraintsUnion(
        SingleValueConstraint(
            *(1,
              2,
              3)
        )
    )
    namedValues = NamedValues(
        *(("unknown", 1),
          ("persistent", 2),
          ("transient", 3))
    )

    if mibBuilder.loadTexts:
        description = "This value indicates whether a virtual machine has a persistent configuration, which means the virtual machine will still exist after shutting down: unknown(1) The persistent configuration is unknown, e.g., because the implementation failed to obtain the persistent configuration from the hypervisor. (read-only) persistent(2) The virtual machine is persistent, i.e., the virtual machine will exist after it shuts down. transient(3) The virtual machine is transient, i.e., the virtual machine will not exist after it shuts down."


class VirtualMachineCpuIndex(TextualConvention, Integer32):
    status = "current"
    displayHint = "d"
    subtypeSpec = Integer32.subtypeSpec
    subtypeSpec += ConstraintsUnion(
        ValueRangeConstraint(1, 2147483647),
    )

    if mibBuilder.loadTexts:
        description = "A unique value for each virtual machine, greater than zero, identifying a virtual CPU assigned to a virtual machine. The value for each virtual CPU MUST remain constant at least from one re-initialization of the hypervisor to the next re-initialization."


class VirtualMachineStorageIndex(TextualConvention, Integer32):
    status = "current"
    displayHint = "d"
    subtypeSpec = Integer32.subtypeSpec
    subtypeSpec += ConstraintsUnion(
        ValueRangeConstraint(1, 2147483647),
    )

    if mibBuilder.loadTexts:
        description = "A unique value for each virtual machine, greater than zero, identifying a virtual storage device allocated to a virtual machine. The value for each virtual storage device MUST remain constant at least from one re-initialization of the hypervisor to the next re-initialization."


class VirtualMachineStorageSourceType(TextualConvention, Integer32):
    status = "current"
    subtypeSpec = Integer32.subtypeSpec
    subtypeSpec += ConstraintsUnion(
        SingleValueConstraint(
            *(1,
              2,
              3,
              4,
              5,
              6)
        )
    )
    namedValues = NamedValues(
        *(("unknown", 1),
          ("other", 2),
          ("block", 3),
          ("raw", 4),
          ("sparse", 5),
          ("network", 6))
    )

    if mibBuilder.loadTexts:
        description = "The source type of a virtual storage device: unknown(1) The source type is unknown, e.g., because the implementation failed to obtain the media type from the hypervisor. other(2) The source type is other than those defined in this conversion. block(3) The source type is a block device. raw(4) The source type is a raw-formatted file. sparse(5) The source type is a sparse file. network(6) The source type is a network device."


class VirtualMachineStorageAccess(TextualConvention, Integer32):
    status = "current"
    subtypeSpec = Integer32.subtypeSpec
    subtypeSpec += ConstraintsUnion(
        SingleValueConstraint(
            *(1,
              2,
              3)
        )
    )
    namedValues = NamedValues(
        *(("unknown", 1),
          ("readwrite", 2),
          ("readonly", 3))
    )

    if mibBuilder.loadTexts:
        description = "The access permission of a virtual storage: unknown(1) The access permission of the virtual storage is unknown. readwrite(2) The virtual storage is a read-write device. readonly(3) The virtual storage is a read-only device."


class VirtualMachineNetworkIndex(TextualConvention, Integer32):
    status = "current"
    displayHint = "d"
    subtypeSpec = Integer32.subtypeSpec
    subtypeSpec += ConstraintsUnion(
        ValueRangeConstraint(1, 2147483647),
    )

    if mibBuilder.loadTexts:
        description = "A unique value for each virtual machine, greater than zero, identifying a virtual network interface allocated to the virtual machine. The value for each virtual network interface MUST remain constant at least from one re-initialization of the hypervisor to the next re-initialization."


class VirtualMachineList(TextualConvention, OctetString):
    status = "current"
    displayHint = "1x"
    if mibBuilder.loadTexts:
        description = "Each octet within this value specifies a set of eight virtual machine vmIndex values, with the first octet specifying virtual machine 1 through 8, the second octet specifying virtual machine 9 through 16, etc. Within each octet, the most significant bit represents the lowest-numbered vmIndex, and the least significant bit represents the highest-numbered vmIndex. Thus, each virtual machine of the host is represented by a single bit within the value of this object. If that bit has a value of '1', then that virtual machine is included in the set of virtual machines; the virtual machine is not included if its bit has a value of '0'."


# MIB Managed Objects in the order of their OIDs

_VmNotifications_ObjectIdentity = ObjectIdentity
vmNotifications = _VmNotifications_ObjectIdentity(
    (1, 3, 6, 1, 2, 1, 236, 0)
)
_VmObjects_ObjectIdentity = ObjectIdentity
vmObjects = _VmObjects_ObjectIdentity(
    (1, 3, 6, 1, 2, 1, 236, 1)
)
_VmHypervisor_ObjectIdentity = ObjectIdentity
vmHypervisor = _VmHypervisor_ObjectIdentity(
    (1, 3, 6, 1, 2, 1, 236, 1, 1)
)


class _VmHvSoftware_Type(SnmpAdminString):
    """Custom type vmHvSoftware based on SnmpAdminString"""
    subtypeSpec = SnmpAdminString.subtypeSpec
    subtypeSpec += ConstraintsUnion(
        ValueSizeConstraint(0, 255),
    )


_VmHvSoftware_Type.__name__ = "SnmpAdminString"
_VmHvSoftware_Object = MibScalar
vmHvSoftware = _VmHvSoftware_Object(
    (1, 3, 6, 1, 2, 1, 236, 1, 1, 1),
    _VmHvSoftware_Type()
)
vmHvSoftware.setMaxAccess("read-only")
if mibBuilder.loadTexts:
    vmHvSoftware.setStatus("current")
if mibBuilder.loadTexts:
    vmHvSoftware.setDescription("A textual description of the hypervisor software. This value SHOULD NOT include its version as it SHOULD be included in 'vmHvVersion'.")


class _VmHvVersion_Type(SnmpAdminString):
    """Custom type vmHvVersion based on SnmpAdminString"""
    subtypeSpec = SnmpAdminString.subtypeSpec
    subtypeSpec += ConstraintsUnion(
        ValueSizeConstraint(0, 255),
    )


_VmHvVersion_Type.__name__ = "SnmpAdminString"
_VmHvVersion_Object = MibScalar
vmHvVersion = _VmHvVersion_Object(
    (1, 3, 6, 1, 2, 1, 236, 1, 1, 2),
    _VmHvVersion_Type()
)
vmHvVersion.setMaxAccess("read-only")
if mibBuilder.loadTexts:
    vmHvVersion.setStatus("current")
if mibBuilder.loadTexts:
    vmHvVersion.setDescription("A textual description of the version of the hypervisor software.")
_VmHvObjectID_Type = ObjectIdentifier
_VmHvObjectID_Object = MibScalar
vmHvObjectID = _VmHvObjectID_Object(
    (1, 3, 6, 1, 2, 1, 236, 1, 1, 3),
    _VmHvObjectID_Type()
)
vmHvObjectID.setMaxAccess("read-only")
if mibBuilder.loadTexts:
    vmHvObjectID.setStatus("current")
if mibBuilder.loadTexts:
    vmHvObjectID.setDescription("The vendor's authoritative identification of the hypervisor software contained in the entity. This value is allocated within the SMI enterprises subtree (1.3.6.1.4.1). Note that this is different from sysObjectID in the SNMPv2-MIB (RFC 3418) because sysObjectID is not the identification of the hypervisor software but the device, firmware, or management operating system.")
_VmHvUpTime_Type = TimeTicks
_VmHvUpTime_Object = MibScalar
vmHvUpTime = _VmHvUpTime_Object(
    (1, 3, 6, 1, 2, 1, 236, 1, 1, 4),
    _VmHvUpTime_Type()
)
vmHvUpTime.setMaxAccess("read-only")
if mibBuilder.loadTexts:
    vmHvUpTime.setStatus("current")
if mibBuilder.loadTexts:
    vmHvUpTime.setDescription("The time (in centiseconds) since the hypervisor was last re-initialized. Note that this is different from sysUpTime in the SNMPv2-MIB (RFC 3418) and hrSystemUptime in the HOST-RESOURCES-MIB (RFC 2790) because sysUpTime is the uptime of the network management portion of the system, and hrSystemUptime is the uptime of the management operating system but not the hypervisor software.")


class _VmNumber_Type(Integer32):
    """Custom type vmNumber based on Integer32"""
    subtypeSpec = Integer32.subtypeSpec
    subtypeSpec += ConstraintsUnion(
        ValueRangeConstraint(0, 2147483647),
    )


_VmNumber_Type.__name__ = "Integer32"
_VmNumber_Object = MibScalar
vmNumber = _VmNumber_Object(
    (1, 3, 6, 1, 2, 1, 236, 1, 2),
    _VmNumber_Type()
)
vmNumber.setMaxAccess("read-only")
if mibBuilder.loadTexts:
    vmNumber.setStatus("current")
if mibBuilder.loadTexts:
    vmNumber.setDescription("The number of virtual machines (regardless of their current state) present on this hypervisor.")
_VmTableLastChange_Type = TimeTicks
_VmTableLastChange_Object = MibScalar
vmTableLastChange = _VmTableLastChange_Object(
    (1, 3, 6, 1, 2, 1, 236, 1, 3),
    _VmTableLastChange_Type()
)
vmTableLastChange.setMaxAccess("read-only")
if mibBuilder.loadTexts:
    vmTableLastChange.setStatus("current")
if mibBuilder.loadTexts:
    vmTableLastChange.setDescription("The value of vmHvUpTime at the time of the last creation or deletion of an entry in the vmTable.")
_VmTable_Object = MibTable
vmTable = _VmTable_Object(
    (1, 3, 6, 1, 2, 1, 236, 1, 4)
)
if mibBuilder.loadTexts:
    vmTable.setStatus("current")
if mibBuilder.loadTexts:
    vmTable.setDescription("A list of virtual machine entries. The number of entries is given by the value of vmNumber.")
_VmEntry_Object = MibTableRow
vmEntry = _VmEntry_Object(
    (1, 3, 6, 1, 2, 1, 236, 1, 4, 1)
)
vmEntry.setIndexNames(
    (0, "VM-MIB", "vmIndex"),
)
if mibBuilder.loadTexts:
    vmEntry.setStatus("current")
if mibBuilder.loadTexts:
    vmEntry.setDescription("An entry containing management information applicable to a particular virtual machine.")
_VmIndex_Type = VirtualMachineIndex
_VmIndex_Object = MibTableColumn
vmIndex = _VmIndex_Object(
    (1, 3, 6, 1, 2, 1, 236, 1, 4, 1, 1),
    _VmIndex_Type()
)
vmIndex.setMaxAccess("not-accessible")
if mibBuilder.loadTexts:
    vmIndex.setStatus("current")
if mibBuilder.loadTexts:
    vmIndex.setDescription("A unique value, greater than zero, identifying the virtual machine. The value assigned to a given virtual machine may not persist across re-initialization of the hypervisor. A command generator MUST use the vmUUID to identify a given virtual machine of interest.")


class _VmName_Type(SnmpAdminString):
    """Custom type vmName based on SnmpAdminString"""
    subtypeSpec = SnmpAdminString.subtypeSpec
    subtypeSpec += ConstraintsUnion(
        ValueSizeConstraint(0, 255),
    )


_VmName_Type.__name__ = "SnmpAdminString"
_VmName_Object = MibTableColumn
vmName = _VmName_Object(
    (1, 3, 6, 1, 2, 1, 236, 1, 4, 1, 2),
    _VmName_Type()
)
vmName.setMaxAccess("read-only")
if mibBuilder.loadTexts:
    vmName.setStatus("current")
if mibBuilder.loadTexts:
    vmName.setDescription("A textual name of the virtual machine.")
_VmUUID_Type = UUIDorZero
_VmUUID_Object = MibTableColumn
vmUUID = _VmUUID_Object(
    (1, 3, 6, 1, 2, 1, 236, 1, 4, 1, 3),
    _VmUUID_Type()
)
vmUUID.setMaxAccess("read-only")
if mibBuilder.loadTexts:
    vmUUID.setStatus("current")
if mibBuilder.loadTexts:
    vmUUID.setDescription("The virtual machine's 128-bit Universally Unique Identifier (UUID) or the zero-length string when a UUID is not available. If set, the UUID MUST uniquely identify a virtual machine from all other virtual machines in an administrative domain. A zero-length octet string is returned if no UUID information is known.")


class _VmOSType_Type(SnmpAdminString):
    """Custom type vmOSType based on SnmpAdminString"""
    subtypeSpec = SnmpAdminString.subtypeSpec
    subtypeSpec += ConstraintsUnion(
        ValueSizeConstraint(0, 255),
    )


_VmOSType_Type.__name__ = "SnmpAdminString"
_VmOSType_Object = MibTableColumn
vmOSType = _VmOSType_Object(
    (1, 3, 6, 1, 2, 1, 236, 1, 4, 1, 4),
    _VmOSType_Type()
)
vmOSType.setMaxAccess("read-only")
if mibBuilder.loadTexts:
    vmOSType.setStatus("current")
if mibBuilder.loadTexts:
    vmOSType.setDescription("A textual description containing operating system information installed on the virtual machine. This value corresponds to the operating system the hypervisor assumes to be running when the virtual machine is started. This may differ from the actual operating system in case the virtual machine boots into a different operating system.")
_VmAdminState_Type = VirtualMachineAdminState
_VmAdminState_Object = MibTableColumn
vmAdminState = _VmAdminState_Object(
    (1, 3, 6, 1, 2, 1, 236, 1, 4, 1, 5),
    _VmAdminState_Type()
)
vmAdminState.setMaxAccess("read-only")
if mibBuilder.loadTexts:
    vmAdminState.setStatus("current")
if mibBuilder.loadTexts:
    vmAdminState.setDescription("The administrative state of the virtual machine.")
_VmOperState_Type = VirtualMachineOperState
_VmOperState_Object = MibTableColumn
vmOperState = _VmOperState_Object(
    (1, 3, 6, 1, 2, 1, 236, 1, 4, 1, 6),
    _VmOperState_Type()
)
vmOperState.setMaxAccess("read-only")
if mibBuilder.loadTexts:
    vmOperState.setStatus("current")
if mibBuilder.loadTexts:
    vmOperState.setDescription("The operational state of the virtual machine.")
_VmAutoStart_Type = VirtualMachineAutoStart
_VmAutoStart_Object = MibTableColumn
vmAutoStart = _VmAutoStart_Object(
    (1, 3, 6, 1, 2, 1, 236, 1, 4, 1, 7),
    _VmAutoStart_Type()
)
vmAutoStart.setMaxAccess("read-only")
if mibBuilder.loadTexts:
    vmAutoStart.setStatus("current")
if mibBuilder.loadTexts:
    vmAutoStart.setDescription("The autostart configuration of the virtual machine. If this value is enable(2), the virtual machine automatically starts at the next initialization of the hypervisor.")
_VmPersistent_Type = VirtualMachinePersistent
_VmPersistent_Object = MibTableColumn
vmPersistent = _VmPersistent_Object(
    (1, 3, 6, 1, 2, 1, 236, 1, 4, 1, 8),
    _VmPersistent_Type()
)
vmPersistent.setMaxAccess("read-only")
if mibBuilder.loadTexts:
    vmPersistent.setStatus("current")
if mibBuilder.loadTexts:
    vmPersistent.setDescription("This value indicates whether the virtual machine has a persistent configuration, which means the virtual machine will still exist after its shutdown.")


class _VmCurCpuNumber_Type(Integer32):
    """Custom type vmCurCpuNumber based on Integer32"""
    subtypeSpec = Integer32.subtypeSpec
    subtypeSpec += ConstraintsUnion(
        ValueRangeConstraint(0, 2147483647),
    )


_VmCurCpuNumber_Type.__name__ = "Integer32"
_VmCurCpuNumber_Object = MibTableColumn
vmCurCpuNumber = _VmCurCpuNumber_Object(
    (1, 3, 6, 1, 2, 1, 236, 1, 4, 1, 9),
    _VmCurCpuNumber_Type()
)
vmCurCpuNumber.setMaxAccess("read-only")
if mibBuilder.loadTexts:
    vmCurCpuNumber.setStatus("current")
if mibBuilder.loadTexts:
    vmCurCpuNumber.setDescription("The number of virtual CPUs currently assigned to the virtual machine.")


class _VmMinCpuNumber_Type(Integer32):
    """Custom type vmMinCpuNumber based on Integer32"""
    subtypeSpec = Integer32.subtypeSpec
    subtypeSpec += ConstraintsUnion(
        ValueRangeConstraint(-1, -1),
        ValueRangeConstraint(0, 2147483647),
    )


_VmMinCpuNumber_Type.__name__ = "Integer32"
_VmMinCpuNumber_Object = MibTableColumn
vmMinCpuNumber = _VmMinCpuNumber_Object(
    (1, 3, 6, 1, 2, 1, 236, 1, 4, 1, 10),
    _VmMinCpuNumber_Type()
)
vmMinCpuNumber.setMaxAccess("read-only")
if mibBuilder.loadTexts:
    vmMinCpuNumber.setStatus("current")
if mibBuilder.loadTexts:
    vmMinCpuNumber.setDescription("The minimum number of virtual CPUs that are assigned to the virtual machine when it is in a power-on state. The value -1 indicates that there is no hard boundary for the minimum number of virtual CPUs.")


class _VmMaxCpuNumber_Type(Integer32):
    """Custom type vmMaxCpuNumber based on Integer32"""
    subtypeSpec = Integer32.subtypeSpec
    subtypeSpec += ConstraintsUnion(
        ValueRangeConstraint(-1, -1),
        ValueRangeConstraint(0, 2147483647),
    )


_VmMaxCpuNumber_Type.__name__ = "Integer32"
_VmMaxCpuNumber_Object = MibTableColumn
vmMaxCpuNumber = _VmMaxCpuNumber_Object(
    (1, 3, 6, 1, 2, 1, 236, 1, 4, 1, 11),
    _VmMaxCpuNumber_Type()
)
vmMaxCpuNumber.setMaxAccess("read-only")
if mibBuilder.loadTexts:
    vmMaxCpuNumber.setStatus("current")
if mibBuilder.loadTexts:
    vmMaxCpuNumber.setDescription("The maximum number of virtual CPUs that are assigned to the virtual machine when it is in a power-on state. The value -1 indicates that there is no limit.")


class _VmMemUnit_Type(Integer32):
    """Custom type vmMemUnit based on Integer32"""
    subtypeSpec = Integer32.subtypeSpec
    subtypeSpec += ConstraintsUnion(
        ValueRangeConstraint(1, 2147483647),
    )


_VmMemUnit_Type.__name__ = "Integer32"
_VmMemUnit_Object = MibTableColumn
vmMemUnit = _VmMemUnit_Object(
    (1, 3, 6, 1, 2, 1, 236, 1, 4, 1, 12),
    _VmMemUnit_Type()
)
vmMemUnit.setMaxAccess("read-only")
if mibBuilder.loadTexts:
    vmMemUnit.setStatus("current")
if mibBuilder.loadTexts:
    vmMemUnit.setDescription("The multiplication unit in bytes for vmCurMem, vmMinMem, and vmMaxMem. For example, when this value is 1024, the memory size unit for vmCurMem, vmMinMem, and vmMaxMem is KiB.")


class _VmCurMem_Type(Integer32):
    """Custom type vmCurMem based on Integer32"""
    subtypeSpec = Integer32.subtypeSpec
    subtypeSpec += ConstraintsUnion(
        ValueRangeConstraint(0, 2147483647),
    )


_VmCurMem_Type.__name__ = "Integer32"
_VmCurMem_Object = MibTableColumn
vmCurMem = _VmCurMem_Object(
    (1, 3, 6, 1, 2, 1, 236, 1, 4, 1, 13),
    _VmCurMem_Type()
)
vmCurMem.setMaxAccess("read-only")
if mibBuilder.loadTexts:
    vmCurMem.setStatus("current")
if mibBuilder.loadTexts:
    vmCurMem.setDescription("The current memory size currently allocated to the virtual memory module in the unit designated by vmMemUnit.")


class _VmMinMem_Type(Integer32):
    """Custom type vmMinMem based on Integer32"""
    subtypeSpec = Integer32.subtypeSpec
    subtypeSpec += ConstraintsUnion(
        ValueRangeConstraint(-1, -1),
        ValueRangeConstraint(0, 2147483647),
    )


_VmMinMem_Type.__name__ = "Integer32"
_VmMinMem_Object = MibTableColumn
vmMinMem = _VmMinMem_Object(
    (1, 3, 6, 1, 2, 1, 236, 1, 4, 1, 14),
    _VmMinMem_Type()
)
vmMinMem.setMaxAccess("read-only")
if mibBuilder.loadTexts:
    vmMinMem.setStatus("current")
if mibBuilder.loadTexts:
    vmMinMem.setDescription("The minimum memory size defined to the virtual machine in the unit designated by vmMemUnit. The value -1 indicates that there is no hard boundary for the minimum memory size.")


class _VmMaxMem_Type(Integer32):
    """Custom type vmMaxMem based on Integer32"""
    subtypeSpec = Integer32.subtypeSpec
    subtypeSpec += ConstraintsUnion(
        ValueRangeConstraint(-1, -1),
        ValueRangeConstraint(0, 2147483647),
    )


_VmMaxMem_Type.__name__ = "Integer32"
_VmMaxMem_Object = MibTableColumn
vmMaxMem = _VmMaxMem_Object(
    (1, 3, 6, 1, 2, 1, 236, 1, 4, 1, 15),
    _VmMaxMem_Type()
)
vmMaxMem.setMaxAccess("read-only")
if mibBuilder.loadTexts:
    vmMaxMem.setStatus("current")
if mibBuilder.loadTexts:
    vmMaxMem.setDescription("The maximum memory size defined to the virtual machine in the unit designated by vmMemUnit. The value -1 indicates that there is no limit.")
_VmUpTime_Type = TimeTicks
_VmUpTime_Object = MibTableColumn
vmUpTime = _VmUpTime_Object(
    (1, 3, 6, 1, 2, 1, 236, 1, 4, 1, 16),
    _VmUpTime_Type()
)
vmUpTime.setMaxAccess("read-only")
if mibBuilder.loadTexts:
    vmUpTime.setStatus("current")
if mibBuilder.loadTexts:
    vmUpTime.setDescription("The time (in centiseconds) since the administrative state of the virtual machine was last changed from shutdown(4) to running(1).")
_VmCpuTime_Type = Counter64
_VmCpuTime_Object = MibTableColumn
vmCpuTime = _VmCpuTime_Object(
    (1, 3, 6, 1, 2, 1, 236, 1, 4, 1, 17),
    _VmCpuTime_Type()
)
vmCpuTime.setMaxAccess("read-only")
if mibBuilder.loadTexts:
    vmCpuTime.setStatus("current")
if mibBuilder.loadTexts:
    vmCpuTime.setUnits("microsecond")
if mibBuilder.loadTexts:
    vmCpuTime.setDescription("The total CPU time used in microseconds. If the number of virtual CPUs is larger than 1, vmCpuTime may exceed real time. Discontinuities in the value of this counter can occur at re-initialization of the hypervisor and administrative state (vmAdminState) changes of the virtual machine.")
_VmCpuTable_Object = MibTable
vmCpuTable = _VmCpuTable_Object(
    (1, 3, 6, 1, 2, 1, 236, 1, 5)
)
if mibBuilder.loadTexts:
    vmCpuTable.setStatus("current")
if mibBuilder.loadTexts:
    vmCpuTable.setDescription("The table of virtual CPUs provided by the hypervisor.")
_VmCpuEntry_Object = MibTableRow
vmCpuEntry = _VmCpuEntry_Object(
    (1, 3, 6, 1, 2, 1, 236, 1, 5, 1)
)
vmCpuEntry.setIndexNames(
    (0, "VM-MIB", "vmIndex"),
    (0, "VM-MIB", "vmCpuIndex"),
)
if mibBuilder.loadTexts:
    vmCpuEntry.setStatus("current")
if mibBuilder.loadTexts:
    vmCpuEntry.setDescription("An entry for one virtual processor assigned to a virtual machine.")
_VmCpuIndex_Type = VirtualMachineCpuIndex
_VmCpuIndex_Object = MibTableColumn
vmCpuIndex = _VmCpuIndex_Object(
    (1, 3, 6, 1, 2, 1, 236, 1, 5, 1, 1),
    _VmCpuIndex_Type()
)
vmCpuIndex.setMaxAccess("not-accessible")
if mibBuilder.loadTexts:
    vmCpuIndex.setStatus("current")
if mibBuilder.loadTexts:
    vmCpuIndex.setDescription("A unique value identifying a virtual CPU assigned to the virtual machine.")
_VmCpuCoreTime_Type = Counter64
_VmCpuCoreTime_Object = MibTableColumn
vmCpuCoreTime = _VmCpuCoreTime_Object(
    (1, 3, 6, 1, 2, 1, 236, 1, 5, 1, 2),
    _VmCpuCoreTime_Type()
)
vmCpuCoreTime.setMaxAccess("read-only")
if mibBuilder.loadTexts:
    vmCpuCoreTime.setStatus("current")
if mibBuilder.loadTexts:
    vmCpuCoreTime.setUnits("microsecond")
if mibBuilder.loadTexts:
    vmCpuCoreTime.setDescription("The total CPU time used by this virtual CPU in microseconds. Discontinuities in the value of this counter can occur at re-initialization of the hypervisor and administrative state (vmAdminState) changes of the virtual machine.")
_VmCpuAffinityTable_Object = MibTable
vmCpuAffinityTable = _VmCpuAffinityTable_Object(
    (1, 3, 6, 1, 2, 1, 236, 1, 6)
)
if mibBuilder.loadTexts:
    vmCpuAffinityTable.setStatus("current")
if mibBuilder.loadTexts:
    vmCpuAffinityTable.setDescription("A list of CPU affinity entries of a virtual CPU.")
_VmCpuAffinityEntry_Object = MibTableRow
vmCpuAffinityEntry = _VmCpuAffinityEntry_Object(
    (1, 3, 6, 1, 2, 1, 236, 1, 6, 1)
)
vmCpuAffinityEntry.setIndexNames(
    (0, "VM-MIB", "vmIndex"),
    (0, "VM-MIB", "vmCpuIndex"),
    (0, "VM-MIB", "vmCpuPhysIndex"),
)
if mibBuilder.loadTexts:
    vmCpuAffinityEntry.setStatus("current")
if mibBuilder.loadTexts:
    vmCpuAffinityEntry.setDescription("An entry containing CPU affinity associated with a particular virtual machine.")


class _VmCpuPhysIndex_Type(Integer32):
    """Custom type vmCpuPhysIndex based on Integer32"""
    subtypeSpec = Integer32.subtypeSpec
    subtypeSpec += ConstraintsUnion(
        ValueRangeConstraint(1, 2147483647),
    )


_VmCpuPhysIndex_Type.__name__ = "Integer32"
_VmCpuPhysIndex_Object = MibTableColumn
vmCpuPhysIndex = _VmCpuPhysIndex_Object(
    (1, 3, 6, 1, 2, 1, 236, 1, 6, 1, 2),
    _VmCpuPhysIndex_Type()
)
vmCpuPhysIndex.setMaxAccess("not-accessible")
if mibBuilder.loadTexts:
    vmCpuPhysIndex.setStatus("current")
if mibBuilder.loadTexts:
    vmCpuPhysIndex.setDescription("A value identifying a physical CPU on the hypervisor. On systems implementing the HOST-RESOURCES-MIB, the value MUST be the same value that is used as the index in the hrProcessorTable (hrDeviceIndex).")


class _VmCpuAffinity_Type(Integer32):
    """Custom type vmCpuAffinity based on Integer32"""
    subtypeSpec = Integer32.subtypeSpec
    subtypeSpec += ConstraintsUnion(
        SingleValueConstraint(
            *(0,
              1,
              2)
        )
    )
    namedValues = NamedValues(
        *(("unknown", 0),
          ("enable", 1),
          ("disable", 2))
    )


_VmCpuAffinity_Type.__name__ = "Integer32"
_VmCpuAffinity_Object = MibTableColumn
vmCpuAffinity = _VmCpuAffinity_Object(
    (1, 3, 6, 1, 2, 1, 236, 1, 6, 1, 3),
    _VmCpuAffinity_Type()
)
vmCpuAffinity.setMaxAccess("read-only")
if mibBuilder.loadTexts:
    vmCpuAffinity.setStatus("current")
if mibBuilder.loadTexts:
    vmCpuAffinity.setDescription("The CPU affinity of this virtual CPU to the physical CPU represented by 'vmCpuPhysIndex'.")
_VmStorageTable_Object = MibTable
vmStorageTable = _VmStorageTable_Object(
    (1, 3, 6, 1, 2, 1, 236, 1, 7)
)
if mibBuilder.loadTexts:
    vmStorageTable.setStatus("current")
if mibBuilder.loadTexts:
    vmStorageTable.setDescription("The conceptual table of virtual storage devices attached to the virtual machine.")
_VmStorageEntry_Object = MibTableRow
vmStorageEntry = _VmStorageEntry_Object(
    (1, 3, 6, 1, 2, 1, 236, 1, 7, 1)
)
vmStorageEntry.setIndexNames(
    (0, "VM-MIB", "vmStorageVmIndex"),
    (0, "VM-MIB", "vmStorageIndex"),
)
if mibBuilder.loadTexts:
    vmStorageEntry.setStatus("current")
if mibBuilder.loadTexts:
    vmStorageEntry.setDescription("An entry for one virtual storage device attached to the virtual machine.")
_VmStorageVmIndex_Type = VirtualMachineIndexOrZero
_VmStorageVmIndex_Object = MibTableColumn
vmStorageVmIndex = _VmStorageVmIndex_Object(
    (1, 3, 6, 1, 2, 1, 236, 1, 7, 1, 1),
    _VmStorageVmIndex_Type()
)
vmStorageVmIndex.setMaxAccess("not-accessible")
if mibBuilder.loadTexts:
    vmStorageVmIndex.setStatus("current")
if mibBuilder.loadTexts:
    vmStorageVmIndex.setDescription("This value identifies the virtual machine (guest) this storage device has been allocated to. The value zero indicates that the storage device is currently not allocated to any virtual machines.")
_VmStorageIndex_Type = VirtualMachineStorageIndex
_VmStorageIndex_Object = MibTableColumn
vmStorageIndex = _VmStorageIndex_Object(
    (1, 3, 6, 1, 2, 1, 236, 1, 7, 1, 2),
    _VmStorageIndex_Type()
)
vmStorageIndex.setMaxAccess("not-accessible")
if mibBuilder.loadTexts:
    vmStorageIndex.setStatus("current")
if mibBuilder.loadTexts:
    vmStorageIndex.setDescription("A unique value identifying a virtual storage device allocated to the virtual machine.")


class _VmStorageParent_Type(Integer32):
    """Custom type vmStorageParent based on Integer32"""
    subtypeSpec = Integer32.subtypeSpec
    subtypeSpec += ConstraintsUnion(
        ValueRangeConstraint(0, 2147483647),
    )


_VmStorageParent_Type.__name__ = "Integer32"
_VmStorageParent_Object = MibTableColumn
vmStorageParent = _VmStorageParent_Object(
    (1, 3, 6, 1, 2, 1, 236, 1, 7, 1, 3),
    _VmStorageParent_Type()
)
vmStorageParent.setMaxAccess("read-only")
if mibBuilder.loadTexts:
    vmStorageParent.setStatus("current")
if mibBuilder.loadTexts:
    vmStorageParent.setDescription("The value of hrStorageIndex, which is the parent (i.e., physical) device of this virtual device on systems implementing the HOST-RESOURCES-MIB. The value zero denotes this virtual device is not any child represented in the hrStorageTable.")
_VmStorageSourceType_Type = VirtualMachineStorageSourceType
_VmStorageSourceType_Object = MibTableColumn
vmStorageSourceType = _VmStorageSourceType_Object(
    (1, 3, 6, 1, 2, 1, 236, 1, 7, 1, 4),
    _VmStorageSourceType_Type()
)
vmStorageSourceType.setMaxAccess("read-only")
if mibBuilder.loadTexts:
    vmStorageSourceType.setStatus("current")
if mibBuilder.loadTexts:
    vmStorageSourceType.setDescription("The source type of the virtual storage device.")


class _VmStorageSourceTypeString_Type(SnmpAdminString):
    """Custom type vmStorageSourceTypeString based on SnmpAdminString"""
    subtypeSpec = SnmpAdminString.subtypeSpec
    subtypeSpec += ConstraintsUnion(
        ValueSizeConstraint(0, 255),
    )


_VmStorageSourceTypeString_Type.__name__ = "SnmpAdminString"
_VmStorageSourceTypeString_Object = MibTableColumn
vmStorageSourceTypeString = _VmStorageSourceTypeString_Object(
    (1, 3, 6, 1, 2, 1, 236, 1, 7, 1, 5),
    _VmStorageSourceTypeString_Type()
)
vmStorageSourceTypeString.setMaxAccess("read-only")
if mibBuilder.loadTexts:
    vmStorageSourceTypeString.setStatus("current")
if mibBuilder.loadTexts:
    vmStorageSourceTypeString.setDescription("A (detailed) textual string of the source type of the virtual storage device. For example, this represents the specific format name of the sparse file.")


class _VmStorageResourceID_Type(SnmpAdminString):
    """Custom type vmStorageResourceID based on SnmpAdminString"""
    subtypeSpec = SnmpAdminString.subtypeSpec
    subtypeSpec += ConstraintsUnion(
        ValueSizeConstraint(0, 255),
    )


_VmStorageResourceID_Type.__name__ = "SnmpAdminString"
_VmStorageResourceID_Object = MibTableColumn
vmStorageResourceID = _VmStorageResourceID_Object(
    (1, 3, 6, 1, 2, 1, 236, 1, 7, 1, 6),
    _VmStorageResourceID_Type()
)
vmStorageResourceID.setMaxAccess("read-only")
if mibBuilder.loadTexts:
    vmStorageResourceID.setStatus("current")
if mibBuilder.loadTexts:
    vmStorageResourceID.setDescription("A textual string that represents the resource identifier of the virtual storage. For example, this contains the path to the disk image file that corresponds to the virtual storage.")
_VmStorageAccess_Type = VirtualMachineStorageAccess
_VmStorageAccess_Object = MibTableColumn
vmStorageAccess = _VmStorageAccess_Object(
    (1, 3, 6, 1, 2, 1, 236, 1, 7, 1, 7),
    _VmStorageAccess_Type()
)
vmStorageAccess.setMaxAccess("read-only")
if mibBuilder.loadTexts:
    vmStorageAccess.setStatus("current")
if mibBuilder.loadTexts:
    vmStorageAccess.setDescription("The access permission of the virtual storage device.")
_VmStorageMediaType_Type = IANAStorageMediaType
_VmStorageMediaType_Object = MibTableColumn
vmStorageMediaType = _VmStorageMediaType_Object(
    (1, 3, 6, 1, 2, 1, 236, 1, 7, 1, 8),
    _VmStorageMediaType_Type()
)
vmStorageMediaType.setMaxAccess("read-only")
if mibBuilder.loadTexts:
    vmStorageMediaType.setStatus("current")
if mibBuilder.loadTexts:
    vmStorageMediaType.setDescription("The media type of the virtual storage device.")


class _VmStorageMediaTypeString_Type(SnmpAdminString):
    """Custom type vmStorageMediaTypeString based on SnmpAdminString"""
    subtypeSpec = SnmpAdminString.subtypeSpec
    subtypeSpec += ConstraintsUnion(
        ValueSizeConstraint(0, 255),
    )


_VmStorageMediaTypeString_Type.__name__ = "SnmpAdminString"
_VmStorageMediaTypeString_Object = MibTableColumn
vmStorageMediaTypeString = _VmStorageMediaTypeString_Object(
    (1, 3, 6, 1, 2, 1, 236, 1, 7, 1, 9),
    _VmStorageMediaTypeString_Type()
)
vmStorageMediaTypeString.setMaxAccess("read-only")
if mibBuilder.loadTexts:
    vmStorageMediaTypeString.setStatus("current")
if mibBuilder.loadTexts:
    vmStorageMediaTypeString.setDescription("A (detailed) textual string of the virtual storage media. For example, this represents the specific driver name of the emulated media such as 'IDE' and 'SCSI'.")


class _VmStorageSizeUnit_Type(Integer32):
    """Custom type vmStorageSizeUnit based on Integer32"""
    subtypeSpec = Integer32.subtypeSpec
    subtypeSpec += ConstraintsUnion(
        ValueRangeConstraint(1, 2147483647),
    )


_VmStorageSizeUnit_Type.__name__ = "Integer32"
_VmStorageSizeUnit_Object = MibTableColumn
vmStorageSizeUnit = _VmStorageSizeUnit_Object(
    (1, 3, 6, 1, 2, 1, 236, 1, 7, 1, 10),
    _VmStorageSizeUnit_Type()
)
vmStorageSizeUnit.setMaxAccess("read-only")
if mibBuilder.loadTexts:
    vmStorageSizeUnit.setStatus("current")
if mibBuilder.loadTexts:
    vmStorageSizeUnit.setDescription("The multiplication unit in bytes for vmStorageDefinedSize and vmStorageAllocatedSize. For example, when this value is 1048576, the storage size unit for vmStorageDefinedSize and vmStorageAllocatedSize is MiB.")


class _VmStorageDefinedSize_Type(Integer32):
    """Custom type vmStorageDefinedSize based on Integer32"""
    subtypeSpec = Integer32.subtypeSpec
    subtypeSpec += ConstraintsUnion(
        ValueRangeConstraint(-1, -1),
        ValueRangeConstraint(0, 2147483647),
    )


_VmStorageDefinedSize_Type.__name__ = "Integer32"
_VmStorageDefinedSize_Object = MibTableColumn
vmStorageDefinedSize = _VmStorageDefinedSize_Object(
    (1, 3, 6, 1, 2, 1, 236, 1, 7, 1, 11),
    _VmStorageDefinedSize_Type()
)
vmStorageDefinedSize.setMaxAccess("read-only")
if mibBuilder.loadTexts:
    vmStorageDefinedSize.setStatus("current")
if mibBuilder.loadTexts:
    vmStorageDefinedSize.setDescription("The defined virtual storage size defined in the unit designated by vmStorageSizeUnit. If this information is not available, this value MUST be -1.")


class _VmStorageAllocatedSize_Type(Integer32):
    """Custom type vmStorageAllocatedSize based on Integer32"""
    subtypeSpec = Integer32.subtypeSpec
    subtypeSpec += ConstraintsUnion(
        ValueRangeConstraint(-1, -1),
        ValueRangeConstraint(0, 2147483647),
    )


_VmStorageAllocatedSize_Type.__name__ = "Integer32"
_VmStorageAllocatedSize_Object = MibTableColumn
vmStorageAllocatedSize = _VmStorageAllocatedSize_Object(
    (1, 3, 6, 1, 2, 1, 236, 1, 7, 1, 12),
    _VmStorageAllocatedSize_Type()
)
vmStorageAllocatedSize.setMaxAccess("read-only")
if mibBuilder.loadTexts:
    vmStorageAllocatedSize.setStatus("current")
if mibBuilder.loadTexts:
    vmStorageAllocatedSize.setDescription("The storage size allocated to the virtual storage from a physical storage in the unit designated by vmStorageSizeUnit. When the virtual storage is block device or raw file, this value and vmStorageDefinedSize are supposed to equal. This value MUST NOT be different from vmStorageDefinedSize when vmStorageSourceType is 'block' or 'raw'. If this information is not available, this value MUST be -1.")
_VmStorageReadIOs_Type = Counter64
_VmStorageReadIOs_Object = MibTableColumn
vmStorageReadIOs = _VmStorageReadIOs_Object(
    (1, 3, 6, 1, 2, 1, 236, 1, 7, 1, 13),
    _VmStorageReadIOs_Type()
)
vmStorageReadIOs.setMaxAccess("read-only")
if mibBuilder.loadTexts:
    vmStorageReadIOs.setStatus("current")
if mibBuilder.loadTexts:
    vmStorageReadIOs.setDescription("The number of read I/O requests. Discontinuities in the value of this counter can occur at re-initialization of the hypervisor and administrative state (vmAdminState) changes of the virtual machine.")
_VmStorageWriteIOs_Type = Counter64
_VmStorageWriteIOs_Object = MibTableColumn
vmStorageWriteIOs = _VmStorageWriteIOs_Object(
    (1, 3, 6, 1, 2, 1, 236, 1, 7, 1, 14),
    _VmStorageWriteIOs_Type()
)
vmStorageWriteIOs.setMaxAccess("read-only")
if mibBuilder.loadTexts:
    vmStorageWriteIOs.setStatus("current")
if mibBuilder.loadTexts:
    vmStorageWriteIOs.setDescription("The number of write I/O requests. Discontinuities in the value of this counter can occur at re-initialization of the hypervisor and administrative state (vmAdminState) changes of the virtual machine.")
_VmStorageReadOctets_Type = Counter64
_VmStorageReadOctets_Object = MibTableColumn
vmStorageReadOctets = _VmStorageReadOctets_Object(
    (1, 3, 6, 1, 2, 1, 236, 1, 7, 1, 15),
    _VmStorageReadOctets_Type()
)
vmStorageReadOctets.setMaxAccess("read-only")
if mibBuilder.loadTexts:
    vmStorageReadOctets.setStatus("current")
if mibBuilder.loadTexts:
    vmStorageReadOctets.setDescription("The total number of bytes read from this device. Discontinuities in the value of this counter can occur at re-initialization of the hypervisor and administrative state (vmAdminState) changes of the virtual machine.")
_VmStorageWriteOctets_Type = Counter64
_VmStorageWriteOctets_Object = MibTableColumn
vmStorageWriteOctets = _VmStorageWriteOctets_Object(
    (1, 3, 6, 1, 2, 1, 236, 1, 7, 1, 16),
    _VmStorageWriteOctets_Type()
)
vmStorageWriteOctets.setMaxAccess("read-only")
if mibBuilder.loadTexts:
    vmStorageWriteOctets.setStatus("current")
if mibBuilder.loadTexts:
    vmStorageWriteOctets.setDescription("The total number of bytes written to this device. Discontinuities in the value of this counter can occur at re-initialization of the hypervisor and administrative state (vmAdminState) changes of the virtual machine.")
_VmStorageReadLatency_Type = Counter64
_VmStorageReadLatency_Object = MibTableColumn
vmStorageReadLatency = _VmStorageReadLatency_Object(
    (1, 3, 6, 1, 2, 1, 236, 1, 7, 1, 17),
    _VmStorageReadLatency_Type()
)
vmStorageReadLatency.setMaxAccess("read-only")
if mibBuilder.loadTexts:
    vmStorageReadLatency.setStatus("current")
if mibBuilder.loadTexts:
    vmStorageReadLatency.setDescription("The total number of microseconds read requests have been queued for this device. This would typically be implemented by storing the high precision system timestamp of when the request is received from the virtual machine with the request, the difference between this initial timestamp and the time at which the requested operation has completed SHOULD be converted to microseconds and accumulated. Discontinuities in the value of this counter can occur at re-initialization of the hypervisor and administrative state (vmAdminState) changes of the virtual machine.")
_VmStorageWriteLatency_Type = Counter64
_VmStorageWriteLatency_Object = MibTableColumn
vmStorageWriteLatency = _VmStorageWriteLatency_Object(
    (1, 3, 6, 1, 2, 1, 236, 1, 7, 1, 18),
    _VmStorageWriteLatency_Type()
)
vmStorageWriteLatency.setMaxAccess("read-only")
if mibBuilder.loadTexts:
    vmStorageWriteLatency.setStatus("current")
if mibBuilder.loadTexts:
    vmStorageWriteLatency.setDescription("The total number of microseconds write requests have been queued for this device. This would typically be implemented by storing the high precision system timestamp of when the request is received from the virtual machine with the request; the difference between this initial timestamp and the time at which the requested operation has completed SHOULD be converted to microseconds and accumulated. Discontinuities in the value of this counter can occur at re-initialization of the hypervisor and administrative state (vmAdminState) changes of the virtual machine.")
_VmNetworkTable_Object = MibTable
vmNetworkTable = _VmNetworkTable_Object(
    (1, 3, 6, 1, 2, 1, 236, 1, 8)
)
if mibBuilder.loadTexts:
    vmNetworkTable.setStatus("current")
if mibBuilder.loadTexts:
    vmNetworkTable.setDescription("The conceptual table of virtual network interfaces attached to the virtual machine.")
_VmNetworkEntry_Object = MibTableRow
vmNetworkEntry = _VmNetworkEntry_Object(
    (1, 3, 6, 1, 2, 1, 236, 1, 8, 1)
)
vmNetworkEntry.setIndexNames(
    (0, "VM-MIB", "vmIndex"),
    (0, "VM-MIB", "vmNetworkIndex"),
)
if mibBuilder.loadTexts:
    vmNetworkEntry.setStatus("current")
if mibBuilder.loadTexts:
    vmNetworkEntry.setDescription("An entry for one virtual network interface attached to the virtual machine.")
_VmNetworkIndex_Type = VirtualMachineNetworkIndex
_VmNetworkIndex_Object = MibTableColumn
vmNetworkIndex = _VmNetworkIndex_Object(
    (1, 3, 6, 1, 2, 1, 236, 1, 8, 1, 1),
    _VmNetworkIndex_Type()
)
vmNetworkIndex.setMaxAccess("not-accessible")
if mibBuilder.loadTexts:
    vmNetworkIndex.setStatus("current")
if mibBuilder.loadTexts:
    vmNetworkIndex.setDescription("A unique value identifying a virtual network interface allocated to the virtual machine.")
_VmNetworkIfIndex_Type = InterfaceIndexOrZero
_VmNetworkIfIndex_Object = MibTableColumn
vmNetworkIfIndex = _VmNetworkIfIndex_Object(
    (1, 3, 6, 1, 2, 1, 236, 1, 8, 1, 2),
    _VmNetworkIfIndex_Type()
)
vmNetworkIfIndex.setMaxAccess("read-only")
if mibBuilder.loadTexts:
    vmNetworkIfIndex.setStatus("current")
if mibBuilder.loadTexts:
    vmNetworkIfIndex.setDescription("The value of ifIndex, which corresponds to this virtual network interface. If this device is not represented in the ifTable, then this value MUST be zero.")
_VmNetworkParent_Type = InterfaceIndexOrZero
_VmNetworkParent_Object = MibTableColumn
vmNetworkParent = _VmNetworkParent_Object(
    (1, 3, 6, 1, 2, 1, 236, 1, 8, 1, 3),
    _VmNetworkParent_Type()
)
vmNetworkParent.setMaxAccess("read-only")
if mibBuilder.loadTexts:
    vmNetworkParent.setStatus("current")
if mibBuilder.loadTexts:
    vmNetworkParent.setDescription("The value of ifIndex, which corresponds to the parent (i.e., physical) device of this virtual device. The value zero denotes this virtual device is not any child represented in the ifTable.")


class _VmNetworkModel_Type(SnmpAdminString):
    """Custom type vmNetworkModel based on SnmpAdminString"""
    subtypeSpec = SnmpAdminString.subtypeSpec
    subtypeSpec += ConstraintsUnion(
        ValueSizeConstraint(0, 255),
    )


_VmNetworkModel_Type.__name__ = "SnmpAdminString"
_VmNetworkModel_Object = MibTableColumn
vmNetworkModel = _VmNetworkModel_Object(
    (1, 3, 6, 1, 2, 1, 236, 1, 8, 1, 4),
    _VmNetworkModel_Type()
)
vmNetworkModel.setMaxAccess("read-only")
if mibBuilder.loadTexts:
    vmNetworkModel.setStatus("current")
if mibBuilder.loadTexts:
    vmNetworkModel.setDescription("A textual string containing the (emulated) model of the virtual network interface. For example, this value is 'virtio' when the emulation driver model is virtio.")
_VmNetworkPhysAddress_Type = PhysAddress
_VmNetworkPhysAddress_Object = MibTableColumn
vmNetworkPhysAddress = _VmNetworkPhysAddress_Object(
    (1, 3, 6, 1, 2, 1, 236, 1, 8, 1, 5),
    _VmNetworkPhysAddress_Type()
)
vmNetworkPhysAddress.setMaxAccess("read-only")
if mibBuilder.loadTexts:
    vmNetworkPhysAddress.setStatus("current")
if mibBuilder.loadTexts:
    vmNetworkPhysAddress.setDescription("The Media Access Control (MAC) address of the virtual network interface.")
_VmPerVMNotificationsEnabled_Type = TruthValue
_VmPerVMNotificationsEnabled_Object = MibScalar
vmPerVMNotificationsEnabled = _VmPerVMNotificationsEnabled_Object(
    (1, 3, 6, 1, 2, 1, 236, 1, 9),
    _VmPerVMNotificationsEnabled_Type()
)
vmPerVMNotificationsEnabled.setMaxAccess("read-write")
if mibBuilder.loadTexts:
    vmPerVMNotificationsEnabled.setStatus("current")
if mibBuilder.loadTexts:
    vmPerVMNotificationsEnabled.setDescription("Indicates if the notification generator will send notifications per virtual machine. Changes to this object MUST NOT persist across re-initialization of the management system, e.g., SNMP agent.")
_VmBulkNotificationsEnabled_Type = TruthValue
_VmBulkNotificationsEnabled_Object = MibScalar
vmBulkNotificationsEnabled = _VmBulkNotificationsEnabled_Object(
    (1, 3, 6, 1, 2, 1, 236, 1, 10),
    _VmBulkNotificationsEnabled_Type()
)
vmBulkNotificationsEnabled.setMaxAccess("read-write")
if mibBuilder.loadTexts:
    vmBulkNotificationsEnabled.setStatus("current")
if mibBuilder.loadTexts:
    vmBulkNotificationsEnabled.setDescription("Indicates if the notification generator will send notifications per set of virtual machines. Changes to this object MUST NOT persist across re-initialization of the management system, e.g., SNMP agent.")
_VmAffectedVMs_Type = VirtualMachineList
_VmAffectedVMs_Object = MibScalar
vmAffectedVMs = _VmAffectedVMs_Object(
    (1, 3, 6, 1, 2, 1, 236, 1, 11),
    _VmAffectedVMs_Type()
)
vmAffectedVMs.setMaxAccess("accessible-for-notify")
if mibBuilder.loadTexts:
    vmAffectedVMs.setStatus("current")
if mibBuilder.loadTexts:
    vmAffectedVMs.setDescription("A complete list of virtual machines whose state has changed. This object is the only object sent with bulk notifications.")
_VmConformance_ObjectIdentity = ObjectIdentity
vmConformance = _VmConformance_ObjectIdentity(
    (1, 3, 6, 1, 2, 1, 236, 2)
)
_VmCompliances_ObjectIdentity = ObjectIdentity
vmCompliances = _VmCompliances_ObjectIdentity(
    (1, 3, 6, 1, 2, 1, 236, 2, 1)
)
_VmGroups_ObjectIdentity = ObjectIdentity
vmGroups = _VmGroups_ObjectIdentity(
    (1, 3, 6, 1, 2, 1, 236, 2, 2)
)

# Managed Objects groups

vmHypervisorGroup = ObjectGroup(
    (1, 3, 6, 1, 2, 1, 236, 2, 2, 1)
)
vmHypervisorGroup.setObjects(
      *(("VM-MIB", "vmHvSoftware"),
        ("VM-MIB", "vmHvVersion"),
        ("VM-MIB", "vmHvObjectID"),
        ("VM-MIB", "vmHvUpTime"),
        ("VM-MIB", "vmNumber"),
        ("VM-MIB", "vmTableLastChange"),
        ("VM-MIB", "vmPerVMNotificationsEnabled"),
        ("VM-MIB", "vmBulkNotificationsEnabled"))
)
if mibBuilder.loadTexts:
    vmHypervisorGroup.setStatus("current")
if mibBuilder.loadTexts:
    vmHypervisorGroup.setDescription("A collection of objects providing insight into the hypervisor itself.")

vmVirtualMachineGroup = ObjectGroup(
    (1, 3, 6, 1, 2, 1, 236, 2, 2, 2)
)
vmVirtualMachineGroup.setObjects(
      *(("VM-MIB", "vmName"),
        ("VM-MIB", "vmUUID"),
        ("VM-MIB", "vmOSType"),
        ("VM-MIB", "vmAdminState"),
        ("VM-MIB", "vmOperState"),
        ("VM-MIB", "vmAutoStart"),
        ("VM-MIB", "vmPersistent"),
        ("VM-MIB", "vmCurCpuNumber"),
        ("VM-MIB", "vmMinCpuNumber"),
        ("VM-MIB", "vmMaxCpuNumber"),
        ("VM-MIB", "vmMemUnit"),
        ("VM-MIB", "vmCurMem"),
        ("VM-MIB", "vmMinMem"),
        ("VM-MIB", "vmMaxMem"),
        ("VM-MIB", "vmUpTime"),
        ("VM-MIB", "vmCpuTime"))
)
if mibBuilder.loadTexts:
    vmVirtualMachineGroup.setStatus("current")
if mibBuilder.loadTexts:
    vmVirtualMachineGroup.setDescription("A collection of objects providing insight into the virtual machines controlled by a hypervisor.")

vmCpuGroup = ObjectGroup(
    (1, 3, 6, 1, 2, 1, 236, 2, 2, 3)
)
vmCpuGroup.setObjects(
    ("VM-MIB", "vmCpuCoreTime")
)
if mibBuilder.loadTexts:
    vmCpuGroup.setStatus("current")
if mibBuilder.loadTexts:
    vmCpuGroup.setDescription("A collection of objects providing insight into the virtual machines controlled by a hypervisor.")

vmCpuAffinityGroup = ObjectGroup(
    (1, 3, 6, 1, 2, 1, 236, 2, 2, 4)
)
vmCpuAffinityGroup.setObjects(
    ("VM-MIB", "vmCpuAffinity")
)
if mibBuilder.loadTexts:
    vmCpuAffinityGroup.setStatus("current")
if mibBuilder.loadTexts:
    vmCpuAffinityGroup.setDescription("A collection of objects providing insight into the virtual machines controlled by a hypervisor.")

vmStorageGroup = ObjectGroup(
    (1, 3, 6, 1, 2, 1, 236, 2, 2, 5)
)
vmStorageGroup.setObjects(
      *(("VM-MIB", "vmStorageParent"),
        ("VM-MIB", "vmStorageSourceType"),
        ("VM-MIB", "vmStorageSourceTypeString"),
        ("VM-MIB", "vmStorageResourceID"),
        ("VM-MIB", "vmStorageAccess"),
        ("VM-MIB", "vmStorageMediaType"),
        ("VM-MIB", "vmStorageMediaTypeString"),
        ("VM-MIB", "vmStorageSizeUnit"),
        ("VM-MIB", "vmStorageDefinedSize"),
        ("VM-MIB", "vmStorageAllocatedSize"),
        ("VM-MIB", "vmStorageReadIOs"),
        ("VM-MIB", "vmStorageWriteIOs"),
        ("VM-MIB", "vmStorageReadOctets"),
        ("VM-MIB", "vmStorageWriteOctets"),
        ("VM-MIB", "vmStorageReadLatency"),
        ("VM-MIB", "vmStorageWriteLatency"))
)
if mibBuilder.loadTexts:
    vmStorageGroup.setStatus("current")
if mibBuilder.loadTexts:
    vmStorageGroup.setDescription("A collection of objects providing insight into the virtual storage devices controlled by a hypervisor.")

vmNetworkGroup = ObjectGroup(
    (1, 3, 6, 1, 2, 1, 236, 2, 2, 6)
)
vmNetworkGroup.setObjects(
      *(("VM-MIB", "vmNetworkIfIndex"),
        ("VM-MIB", "vmNetworkParent"),
        ("VM-MIB", "vmNetworkModel"),
        ("VM-MIB", "vmNetworkPhysAddress"))
)
if mibBuilder.loadTexts:
    vmNetworkGroup.setStatus("current")
if mibBuilder.loadTexts:
    vmNetworkGroup.setDescription("A collection of objects providing insight into the virtual network interfaces controlled by a hypervisor.")

vmBulkNotificationsVariablesGroup = ObjectGroup(
    (1, 3, 6, 1, 2, 1, 236, 2, 2, 8)
)
vmBulkNotificationsVariablesGroup.setObjects(
    ("VM-MIB", "vmAffectedVMs")
)
if mibBuilder.loadTexts:
    vmBulkNotificationsVariablesGroup.setStatus("current")
if mibBuilder.loadTexts:
    vmBulkNotificationsVariablesGroup.setDescription("The variables used in vmBulkNotificationOptionalGroup virtual network interfaces controlled by a hypervisor.")


# Notification objects

vmRunning = NotificationType(
    (1, 3, 6, 1, 2, 1, 236, 0, 1)
)
vmRunning.setObjects(
      *(("VM-MIB", "vmName"),
        ("VM-MIB", "vmUUID"),
        ("VM-MIB", "vmOperState"))
)
if mibBuilder.loadTexts:
    vmRunning.setStatus(
        "current"
    )
if mibBuilder.loadTexts:
    vmRunning.setDescription("This notification is generated when the operational state of a virtual machine has been changed to running(4) from some other state. The other state is indicated by the included value of vmOperState.")

vmShuttingdown = NotificationType(
    (1, 3, 6, 1, 2, 1, 236, 0, 2)
)
vmShuttingdown.setObjects(
      *(("VM-MIB", "vmName"),
        ("VM-MIB", "vmUUID"),
        ("VM-MIB", "vmOperState"))
)
if mibBuilder.loadTexts:
    vmShuttingdown.setStatus(
        "current"
    )
if mibBuilder.loadTexts:
    vmShuttingdown.setDescription("This notification is generated when the operational state of a virtual machine has been changed to shuttingdown(10) from some other state. The other state is indicated by the included value of vmOperState.")

vmShutdown = NotificationType(
    (1, 3, 6, 1, 2, 1, 236, 0, 3)
)
vmShutdown.setObjects(
      *(("VM-MIB", "vmName"),
        ("VM-MIB", "vmUUID"),
        ("VM-MIB", "vmOperState"))
)
if mibBuilder.loadTexts:
    vmShutdown.setStatus(
        "current"
    )
if mibBuilder.loadTexts:
    vmShutdown.setDescription("This notification is generated when the operational state of a virtual machine has been changed to shutdown(11) from some other state. The other state is indicated by the included value of vmOperState.")

vmPaused = NotificationType(
    (1, 3, 6, 1, 2, 1, 236, 0, 4)
)
vmPaused.setObjects(
      *(("VM-MIB", "vmName"),
        ("VM-MIB", "vmUUID"),
        ("VM-MIB", "vmOperState"))
)
if mibBuilder.loadTexts:
    vmPaused.setStatus(
        "current"
    )
if mibBuilder.loadTexts:
    vmPaused.setDescription("This notification is generated when the operational state of a virtual machine has been changed to paused(8) from some other state. The other state is indicated by the included value of vmOperState.")

vmSuspending = NotificationType(
    (1, 3, 6, 1, 2, 1, 236, 0, 5)
)
vmSuspending.setObjects(
      *(("VM-MIB", "vmName"),
        ("VM-MIB", "vmUUID"),
        ("VM-MIB", "vmOperState"))
)
if mibBuilder.loadTexts:
    vmSuspending.setStatus(
        "current"
    )
if mibBuilder.loadTexts:
    vmSuspending.setDescription("This notification is generated when the operational state of a virtual machine has been changed to suspending(5) from some other state. The other state is indicated by the included value of vmOperState.")

vmSuspended = NotificationType(
    (1, 3, 6, 1, 2, 1, 236, 0, 6)
)
vmSuspended.setObjects(
      *(("VM-MIB", "vmName"),
        ("VM-MIB", "vmUUID"),
        ("VM-MIB", "vmOperState"))
)
if mibBuilder.loadTexts:
    vmSuspended.setStatus(
        "current"
    )
if mibBuilder.loadTexts:
    vmSuspended.setDescription("This notification is generated when the operational state of a virtual machine has been changed to suspended(6) from some other state. The other state is indicated by the included value of vmOperState.")

vmResuming = NotificationType(
    (1, 3, 6, 1, 2, 1, 236, 0, 7)
)
vmResuming.setObjects(
      *(("VM-MIB", "vmName"),
        ("VM-MIB", "vmUUID"),
        ("VM-MIB", "vmOperState"))
)
if mibBuilder.loadTexts:
    vmResuming.setStatus(
        "current"
    )
if mibBuilder.loadTexts:
    vmResuming.setDescription("This notification is generated when the operational state of a virtual machine has been changed to resuming(7) from some other state. The other state is indicated by the included value of vmOperState.")

vmMigrating = NotificationType(
    (1, 3, 6, 1, 2, 1, 236, 0, 8)
)
vmMigrating.setObjects(
      *(("VM-MIB", "vmName"),
        ("VM-MIB", "vmUUID"),
        ("VM-MIB", "vmOperState"))
)
if mibBuilder.loadTexts:
    vmMigrating.setStatus(
        "current"
    )
if mibBuilder.loadTexts:
    vmMigrating.setDescription("This notification is generated when the operational state of a virtual machine has been changed to migrating(9) from some other state. The other state is indicated by the included value of vmOperState.")

vmCrashed = NotificationType(
    (1, 3, 6, 1, 2, 1, 236, 0, 9)
)
vmCrashed.setObjects(
      *(("VM-MIB", "vmName"),
        ("VM-MIB", "vmUUID"),
        ("VM-MIB", "vmOperState"))
)
if mibBuilder.loadTexts:
    vmCrashed.setStatus(
        "current"
    )
if mibBuilder.loadTexts:
    vmCrashed.setDescription("This notification is generated when a virtual machine has been crashed. The previous state of the virtual machine is indicated by the included value of vmOperState.")

vmDeleted = NotificationType(
    (1, 3, 6, 1, 2, 1, 236, 0, 10)
)
vmDeleted.setObjects(
      *(("VM-MIB", "vmName"),
        ("VM-MIB", "vmUUID"),
        ("VM-MIB", "vmOperState"),
        ("VM-MIB", "vmPersistent"))
)
if mibBuilder.loadTexts:
    vmDeleted.setStatus(
        "current"
    )
if mibBuilder.loadTexts:
    vmDeleted.setDescription("This notification is generated when a virtual machine has been deleted. The prior state of the virtual machine is indicated by the included value of vmOperState.")

vmBulkRunning = NotificationType(
    (1, 3, 6, 1, 2, 1, 236, 0, 11)
)
vmBulkRunning.setObjects(
    ("VM-MIB", "vmAffectedVMs")
)
if mibBuilder.loadTexts:
    vmBulkRunning.setStatus(
        "current"
    )
if mibBuilder.loadTexts:
    vmBulkRunning.setDescription("This notification is generated when the operational state of one or more virtual machines has been changed to running(4) from any prior state, except for running(4). Management stations are encouraged to subsequently poll the subset of virtual machines of interest for vmOperState.")

vmBulkShuttingdown = NotificationType(
    (1, 3, 6, 1, 2, 1, 236, 0, 12)
)
vmBulkShuttingdown.setObjects(
    ("VM-MIB", "vmAffectedVMs")
)
if mibBuilder.loadTexts:
    vmBulkShuttingdown.setStatus(
        "current"
    )
if mibBuilder.loadTexts:
    vmBulkShuttingdown.setDescription("This notification is generated when the operational state of one or more virtual machines has been changed to shuttingdown(10) from a state other than shuttingdown(10). Management stations are encouraged to subsequently poll the subset of virtual machines of interest for vmOperState.")

vmBulkShutdown = NotificationType(
    (1, 3, 6, 1, 2, 1, 236, 0, 13)
)
vmBulkShutdown.setObjects(
    ("VM-MIB", "vmAffectedVMs")
)
if mibBuilder.loadTexts:
    vmBulkShutdown.setStatus(
        "current"
    )
if mibBuilder.loadTexts:
    vmBulkShutdown.setDescription("This notification is generated when the operational state of one or more virtual machine has been changed to shutdown(11) from a state other than shutdown(11). Management stations are encouraged to subsequently poll the subset of virtual machines of interest for vmOperState.")

vmBulkPaused = NotificationType(
    (1, 3, 6, 1, 2, 1, 236, 0, 14)
)
vmBulkPaused.setObjects(
    ("VM-MIB", "vmAffectedVMs")
)
if mibBuilder.loadTexts:
    vmBulkPaused.setStatus(
        "current"
    )
if mibBuilder.loadTexts:
    vmBulkPaused.setDescription("This notification is generated when the operational state of one or more virtual machines has been changed to paused(8) from a state other than paused(8). Management stations are encouraged to subsequently poll the subset of virtual machines of interest for vmOperState.")

vmBulkSuspending = NotificationType(
    (1, 3, 6, 1, 2, 1, 236, 0, 15)
)
vmBulkSuspending.setObjects(
    ("VM-MIB", "vmAffectedVMs")
)
if mibBuilder.loadTexts:
    vmBulkSuspending.setStatus(
        "current"
    )
if mibBuilder.loadTexts:
    vmBulkSuspending.setDescription("This notification is generated when the operational state of one or more virtual machines has been changed to suspending(5) from a state other than suspending(5). Management stations are encouraged to subsequently poll the subset of virtual machines of interest for vmOperState.")

vmBulkSuspended = NotificationType(
    (1, 3, 6, 1, 2, 1, 236, 0, 16)
)
vmBulkSuspended.setObjects(
    ("VM-MIB", "vmAffectedVMs")
)
if mibBuilder.loadTexts:
    vmBulkSuspended.setStatus(
        "current"
    )
if mibBuilder.loadTexts:
    vmBulkSuspended.setDescription("This notification is generated when the operational state of one or more virtual machines has been changed to suspended(6) from a state other than suspended(6). Management stations are encouraged to subsequently poll the subset of virtual machines of interest for vmOperState.")

vmBulkResuming = NotificationType(
    (1, 3, 6, 1, 2, 1, 236, 0, 17)
)
vmBulkResuming.setObjects(
    ("VM-MIB", "vmAffectedVMs")
)
if mibBuilder.loadTexts:
    vmBulkResuming.setStatus(
        "current"
    )
if mibBuilder.loadTexts:
    vmBulkResuming.setDescription("This notification is generated when the operational state of one or more virtual machines has been changed to resuming(7) from a state other than resuming(7). Management stations are encouraged to subsequently poll the subset of virtual machines of interest for vmOperState.")

vmBulkMigrating = NotificationType(
    (1, 3, 6, 1, 2, 1, 236, 0, 18)
)
vmBulkMigrating.setObjects(
    ("VM-MIB", "vmAffectedVMs")
)
if mibBuilder.loadTexts:
    vmBulkMigrating.setStatus(
        "current"
    )
if mibBuilder.loadTexts:
    vmBulkMigrating.setDescription("This notification is generated when the operational state of one or more virtual machines has been changed to migrating(9) from a state other than migrating(9). Management stations are encouraged to subsequently poll the subset of virtual machines of interest for vmOperState.")

vmBulkCrashed = NotificationType(
    (1, 3, 6, 1, 2, 1, 236, 0, 19)
)
vmBulkCrashed.setObjects(
    ("VM-MIB", "vmAffectedVMs")
)
if mibBuilder.loadTexts:
    vmBulkCrashed.setStatus(
        "current"
    )
if mibBuilder.loadTexts:
    vmBulkCrashed.setDescription("This notification is generated when one or more virtual machines have been crashed. Management stations are encouraged to subsequently poll the subset of virtual machines of interest for vmOperState.")

vmBulkDeleted = NotificationType(
    (1, 3, 6, 1, 2, 1, 236, 0, 20)
)
vmBulkDeleted.setObjects(
    ("VM-MIB", "vmAffectedVMs")
)
if mibBuilder.loadTexts:
    vmBulkDeleted.setStatus(
        "current"
    )
if mibBuilder.loadTexts:
    vmBulkDeleted.setDescription("This notification is generated when one or more virtual machines have been deleted. Management stations are encouraged to subsequently poll the subset of virtual machines of interest for vmOperState.")


# Notifications groups

vmPerVMNotificationOptionalGroup = NotificationGroup(
    (1, 3, 6, 1, 2, 1, 236, 2, 2, 7)
)
vmPerVMNotificationOptionalGroup.setObjects(
      *(("VM-MIB", "vmRunning"),
        ("VM-MIB", "vmShuttingdown"),
        ("VM-MIB", "vmShutdown"),
        ("VM-MIB", "vmPaused"),
        ("VM-MIB", "vmSuspending"),
        ("VM-MIB", "vmSuspended"),
        ("VM-MIB", "vmResuming"),
        ("VM-MIB", "vmMigrating"),
        ("VM-MIB", "vmCrashed"),
        ("VM-MIB", "vmDeleted"))
)
if mibBuilder.loadTexts:
    vmPerVMNotificationOptionalGroup.setStatus(
        "current"
    )
if mibBuilder.loadTexts:
    vmPerVMNotificationOptionalGroup.setDescription("A collection of notifications for per-VM notification of changes to virtual machine state (vmOperState) as reported by a hypervisor.")

vmBulkNotificationOptionalGroup = NotificationGroup(
    (1, 3, 6, 1, 2, 1, 236, 2, 2, 9)
)
vmBulkNotificationOptionalGroup.setObjects(
      *(("VM-MIB", "vmBulkRunning"),
        ("VM-MIB", "vmBulkShuttingdown"),
        ("VM-MIB", "vmBulkShutdown"),
        ("VM-MIB", "vmBulkPaused"),
        ("VM-MIB", "vmBulkSuspending"),
        ("VM-MIB", "vmBulkSuspended"),
        ("VM-MIB", "vmBulkResuming"),
        ("VM-MIB", "vmBulkMigrating"),
        ("VM-MIB", "vmBulkCrashed"),
        ("VM-MIB", "vmBulkDeleted"))
)
if mibBuilder.loadTexts:
    vmBulkNotificationOptionalGroup.setStatus(
        "current"
    )
if mibBuilder.loadTexts:
    vmBulkNotificationOptionalGroup.setDescription("A collection of notifications for bulk notification of changes to virtual machine state (vmOperState) as reported by a given hypervisor.")


# Agent capabilities


# Module compliance

vmFullCompliances = ModuleCompliance(
    (1, 3, 6, 1, 2, 1, 236, 2, 1, 1)
)
vmFullCompliances.setObjects(
      *(("VM-MIB", "vmHypervisorGroup"),
        ("VM-MIB", "vmVirtualMachineGroup"),
        ("VM-MIB", "vmCpuGroup"),
        ("VM-MIB", "vmCpuAffinityGroup"),
        ("VM-MIB", "vmStorageGroup"),
        ("VM-MIB", "vmNetworkGroup"),
        ("VM-MIB", "vmPerVMNotificationOptionalGroup"),
        ("VM-MIB", "vmBulkNotificationsVariablesGroup"),
        ("VM-MIB", "vmBulkNotificationOptionalGroup"))
)
if mibBuilder.loadTexts:
    vmFullCompliances.setStatus(
        "current"
    )
if mibBuilder.loadTexts:
    vmFullCompliances.setDescription("Compliance statement for implementations supporting read/write access, according to the object definitions.")

vmReadOnlyCompliances = ModuleCompliance(
    (1, 3, 6, 1, 2, 1, 236, 2, 1, 2)
)
vmReadOnlyCompliances.setObjects(
      *(("VM-MIB", "vmHypervisorGroup"),
        ("VM-MIB", "vmVirtualMachineGroup"),
        ("VM-MIB", "vmCpuGroup"),
        ("VM-MIB", "vmCpuAffinityGroup"),
        ("VM-MIB", "vmStorageGroup"),
        ("VM-MIB", "vmNetworkGroup"))
)
if mibBuilder.loadTexts:
    vmReadOnlyCompliances.setStatus(
        "current"
    )
if mibBuilder.loadTexts:
    vmReadOnlyCompliances.setDescription("Compliance statement for implementations supporting only read-only access.")


# Export all MIB objects to the MIB builder

mibBuilder.exportSymbols(
    "VM-MIB",
    **{"VirtualMachineIndex": VirtualMachineIndex,
       "VirtualMachineIndexOrZero": VirtualMachineIndexOrZero,
       "VirtualMachineAdminState": VirtualMachineAdminState,
       "VirtualMachineOperState": VirtualMachineOperState,
       "VirtualMachineAutoStart": VirtualMachineAutoStart,
       "VirtualMachinePersistent": VirtualMachinePersistent,
       "VirtualMachineCpuIndex": VirtualMachineCpuIndex,
       "VirtualMachineStorageIndex": VirtualMachineStorageIndex,
       "VirtualMachineStorageSourceType": VirtualMachineStorageSourceType,
       "VirtualMachineStorageAccess": VirtualMachineStorageAccess,
       "VirtualMachineNetworkIndex": VirtualMachineNetworkIndex,
       "VirtualMachineList": VirtualMachineList,
       "vmMIB": vmMIB,
       "vmNotifications": vmNotifications,
       "vmRunning": vmRunning,
       "vmShuttingdown": vmShuttingdown,
       "vmShutdown": vmShutdown,
       "vmPaused": vmPaused,
       "vmSuspending": vmSuspending,
       "vmSuspended": vmSuspended,
       "vmResuming": vmResuming,
       "vmMigrating": vmMigrating,
       "vmCrashed": vmCrashed,
       "vmDeleted": vmDeleted,
       "vmBulkRunning": vmBulkRunning,
       "vmBulkShuttingdown": vmBulkShuttingdown,
       "vmBulkShutdown": vmBulkShutdown,
       "vmBulkPaused": vmBulkPaused,
       "vmBulkSuspending": vmBulkSuspending,
       "vmBulkSuspended": vmBulkSuspended,
       "vmBulkResuming": vmBulkResuming,
       "vmBulkMigrating": vmBulkMigrating,
       "vmBulkCrashed": vmBulkCrashed,
       "vmBulkDeleted": vmBulkDeleted,
       "vmObjects": vmObjects,
       "vmHypervisor": vmHypervisor,
       "vmHvSoftware": vmHvSoftware,
       "vmHvVersion": vmHvVersion,
       "vmHvObjectID": vmHvObjectID,
       "vmHvUpTime": vmHvUpTime,
       "vmNumber": vmNumber,
       "vmTableLastChange": vmTableLastChange,
       "vmTable": vmTable,
       "vmEntry": vmEntry,
       "vmIndex": vmIndex,
       "vmName": vmName,
       "vmUUID": vmUUID,
       "vmOSType": vmOSType,
       "vmAdminState": vmAdminState,
       "vmOperState": vmOperState,
       "vmAutoStart": vmAutoStart,
       "vmPersistent": vmPersistent,
       "vmCurCpuNumber": vmCurCpuNumber,
       "vmMinCpuNumber": vmMinCpuNumber,
       "vmMaxCpuNumber": vmMaxCpuNumber,
       "vmMemUnit": vmMemUnit,
       "vmCurMem": vmCurMem,
       "vmMinMem": vmMinMem,
       "vmMaxMem": vmMaxMem,
       "vmUpTime": vmUpTime,
       "vmCpuTime": vmCpuTime,
       "vmCpuTable": vmCpuTable,
       "vmCpuEntry": vmCpuEntry,
       "vmCpuIndex": vmCpuIndex,
       "vmCpuCoreTime": vmCpuCoreTime,
       "vmCpuAffinityTable": vmCpuAffinityTable,
       "vmCpuAffinityEntry": vmCpuAffinityEntry,
       "vmCpuPhysIndex": vmCpuPhysIndex,
       "vmCpuAffinity": vmCpuAffinity,
       "vmStorageTable": vmStorageTable,
       "vmStorageEntry": vmStorageEntry,
       "vmStorageVmIndex": vmStorageVmIndex,
       "vmStorageIndex": vmStorageIndex,
       "vmStorageParent": vmStorageParent,
       "vmStorageSourceType": vmStorageSourceType,
       "vmStorageSourceTypeString": vmStorageSourceTypeString,
       "vmStorageResourceID": vmStorageResourceID,
       "vmStorageAccess": vmStorageAccess,
       "vmStorageMediaType": vmStorageMediaType,
       "vmStorageMediaTypeString": vmStorageMediaTypeString,
       "vmStorageSizeUnit": vmStorageSizeUnit,
       "vmStorageDefinedSize": vmStorageDefinedSize,
       "vmStorageAllocatedSize": vmStorageAllocatedSize,
       "vmStorageReadIOs": vmStorageReadIOs,
       "vmStorageWriteIOs": vmStorageWriteIOs,
       "vmStorageReadOctets": vmStorageReadOctets,
       "vmStorageWriteOctets": vmStorageWriteOctets,
       "vmStorageReadLatency": vmStorageReadLatency,
       "vmStorageWriteLatency": vmStorageWriteLatency,
       "vmNetworkTable": vmNetworkTable,
       "vmNetworkEntry": vmNetworkEntry,
       "vmNetworkIndex": vmNetworkIndex,
       "vmNetworkIfIndex": vmNetworkIfIndex,
       "vmNetworkParent": vmNetworkParent,
       "vmNetworkModel": vmNetworkModel,
       "vmNetworkPhysAddress": vmNetworkPhysAddress,
       "vmPerVMNotificationsEnabled": vmPerVMNotificationsEnabled,
       "vmBulkNotificationsEnabled": vmBulkNotificationsEnabled,
       "vmAffectedVMs": vmAffectedVMs,
       "vmConformance": vmConformance,
       "vmCompliances": vmCompliances,
       "vmFullCompliances": vmFullCompliances,
       "vmReadOnlyCompliances": vmReadOnlyCompliances,
       "vmGroups": vmGroups,
       "vmHypervisorGroup": vmHypervisorGroup,
       "vmVirtualMachineGroup": vmVirtualMachineGroup,
       "vmCpuGroup": vmCpuGroup,
       "vmCpuAffinityGroup": vmCpuAffinityGroup,
       "vmStorageGroup": vmStorageGroup,
       "vmNetworkGroup": vmNetworkGroup,
       "vmPerVMNotificationOptionalGroup": vmPerVMNotificationOptionalGroup,
       "vmBulkNotificationsVariablesGroup": vmBulkNotificationsVariablesGroup,
       "vmBulkNotificationOptionalGroup": vmBulkNotificationOptionalGroup}
)
