# SNMP MIB module (IANA-STORAGE-MEDIA-TYPE-MIB) expressed in pysnmp data model.
#
# This Python module is designed to be imported and executed by the
# pysnmp library.
#
# See https://www.pysnmp.com/pysnmp for further information.
#
# Notes
# -----
# ASN.1 source mibs/IANA-STORAGE-MEDIA-TYPE-MIB
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

(ModuleCompliance,
 NotificationGroup) = mibBuilder.importSymbols(
    "SNMPv2-CONF",
    "ModuleCompliance",
    "NotificationGroup")

(Bits,
 Integer32,
 IpAddress,
 ModuleIdentity,
 MibIdentifier,
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
    "Integer32",
    "IpAddress",
    "ModuleIdentity",
    "MibIdentifier",
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
 TextualConvention) = mibBuilder.importSymbols(
    "SNMPv2-TC",
    "DisplayString",
    "PhysAddress",
    "TextualConvention")


# MODULE-IDENTITY

ianaStorageMediaTypeMIB = ModuleIdentity(
    (1, 3, 6, 1, 2, 1, 237)
)
if mibBuilder.loadTexts:
    ianaStorageMediaTypeMIB.setRevisions(
        ("2016-06-17 00:00",
         "2015-10-12 00:00")
    )
if mibBuilder.loadTexts:
    ianaStorageMediaTypeMIB.setLastUpdated("201606170000Z")
if mibBuilder.loadTexts:
    ianaStorageMediaTypeMIB.setOrganization("IANA")
if mibBuilder.loadTexts:
    ianaStorageMediaTypeMIB.setContactInfo("Internet Assigned Numbers Authority Postal: ICANN 12025 Waterfront Drive, Suite 300 Los Angeles, CA 90094-2536 United States Tel: +1 310-301-5800 Email: iana&iana.org")
if mibBuilder.loadTexts:
    ianaStorageMediaTypeMIB.setDescription("This MIB module defines Textual Conventions representing the media type of a storage device. Copyright (c) 2015 IETF Trust and the persons identified as authors of the code. All rights reserved. Redistribution and use in source and binary forms, with or without modification, is permitted pursuant to, and subject to the license terms contained in, the Simplified BSD License set forth in Section 4.c of the IETF Trust's Legal Provisions Relating to IETF Documents (http://trustee.ietf.org/license-info).")


# Types definitions


# TEXTUAL-CONVENTIONS



class IANAStorageMediaType(TextualConvention, Integer32):
    status = "current"
    subtypeSpec = Integer32.subtypeSpec
    subtypeSpec += ConstraintsUnion(
        SingleValueConstraint(
            *(1,
              2,
              3,
              4,
              5)
        )
    )
    namedValues = NamedValues(
        *(("other", 1),
          ("unknown", 2),
          ("hardDisk", 3),
          ("opticalDisk", 4),
          ("floppyDisk", 5))
    )

    if mibBuilder.loadTexts:
        description = "The media type of a storage device: other(1) The media type is other than those defined in this conversion. unknown(2) The media type is unknown, e.g., because the implementation failed to obtain the media type from the hypervisor. hardDisk(3) The media type is hard disk. opticalDisk(4) The media type is optical disk. floppyDisk(5) The media type is floppy disk."


# MIB Managed Objects in the order of their OIDs


# Managed Objects groups


# Notification objects


# Notifications groups


# Agent capabilities


# Module compliance


# Export all MIB objects to the MIB builder

mibBuilder.exportSymbols(
    "IANA-STORAGE-MEDIA-TYPE-MIB",
    **{"IANAStorageMediaType": IANAStorageMediaType,
       "ianaStorageMediaTypeMIB": ianaStorageMediaTypeMIB}
)
