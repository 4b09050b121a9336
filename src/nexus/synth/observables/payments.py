"""The FIU's view: bank accounts, who holds them, and the payments between them."""

import numpy as np
import pyarrow as pa

from nexus.sources.amlworld import account_ids as account_ids_of
from nexus.synth import places
from nexus.synth.arrays import STRING, ids, iso_dates, strings
from nexus.synth.manifest import FTM, ManifestFile, SuggestedLabels
from nexus.synth.noise import Noise
from nexus.synth.observables import WorldOutput
from nexus.synth.observables.bank_feed import sweep_rings
from nexus.synth.observables.people import person_records, phone_lists, write_people
from nexus.synth.output import FtMWriter, RecordIds
from nexus.synth.world import HOSTEL, NO_INDEX, World, emails

FILE = "fiu/accounts.ftm.json"
#: The stream of the households' landlines (`_kyc_phones`), besides the world's seed.
LANDLINE_STREAM = 0x7E1
NOISE = Noise(variant=0.3, typo=0.03, swapped=0.05, dob_missing=0.3, dob_year_only=0.05, nationality_missing=0.3)


class FinancialIntelligence:
    name = "payments"

    def generate(self, world: World, rng: np.random.Generator, out: WorldOutput) -> list[ManifestFile]:
        (out.dir / FILE).parent.mkdir(parents=True, exist_ok=True)
        accounts, payments, companies = world.accounts, world.payments, world.companies
        by_person = accounts.holder_person != NO_INDEX
        people, shown = person_records(world, rng, out, FILE, "FIU-P", accounts.holder_person[by_person], NOISE)
        firms = RecordIds("FIU-C", rng.permutation(np.unique(accounts.holder_company[~by_person])), len(companies))
        out.truth.add(FILE, "Company", firms.ids, world.company_ids(firms.rows))
        holder = np.empty(len(accounts), dtype=STRING)
        holder[by_person] = people.of(accounts.holder_person[by_person])
        holder[~by_person] = firms.of(accounts.holder_company[~by_person])
        # the bank's own key for an account (bank code and IBAN), as every feed names it: the ledger's
        # payments between these accounts reach their holders in the link graph
        codes = strings([bank[2] for bank in places.BANKS])[accounts.bank]
        account_ids = np.array(account_ids_of(pa.array(codes.tolist()), pa.array(accounts.iban.tolist())).to_pylist(),
                               dtype=STRING)
        ownership_ids = ids("FIU-O", np.arange(len(accounts)))
        payment_ids = ids("FIU-T", np.arange(len(payments)))

        writer = FtMWriter(out.dir / FILE)
        email = np.where(rng.random(len(people.rows)) < 0.6, emails(world, people.rows), "")  # from the bank's KYC
        write_people(writer, world, people, shown, email=email, phone=_kyc_phones(world, people.rows))
        writer.write("Company", firms.ids, name=companies.name[firms.rows], jurisdiction=companies.jurisdiction[firms.rows],
                     registrationNumber=companies.registration[firms.rows])
        banks = strings([b[0] for b in places.BANKS])
        writer.write("BankAccount", account_ids, iban=accounts.iban, bankName=banks[accounts.bank],
                     country=np.strings.lower(np.strings.slice(accounts.iban, 0, 2)))
        writer.write("Ownership", ownership_ids, owner=holder, asset=account_ids,
                     role=np.full(len(accounts), "account holder"))
        writer.write("Payment", payment_ids, payer=holder[payments.payer], payerAccount=account_ids[payments.payer],
                     beneficiary=holder[payments.beneficiary], beneficiaryAccount=account_ids[payments.beneficiary],
                     amount=np.char.mod("%.2f", payments.amount), currency=np.full(len(payments), "EUR"),
                     date=iso_dates(payments.date))

        for link in world.links("mule_payment"):
            payment = link.facts[0]
            payer, beneficiary = payments.payer[payment], payments.beneficiary[payment]
            link.evidence = (FILE, [people.id_of(link.a), str(ownership_ids[payer]), str(account_ids[payer]),
                                    str(payment_ids[payment]), str(account_ids[beneficiary]),
                                    str(ownership_ids[beneficiary]), people.id_of(link.b)])
        return [ManifestFile(FILE, FTM, "fiu", "fiu_accounts", "FIU: accounts, holders and reported payments",
                             SuggestedLabels("CONFIDENTIAL", releasable_to=("fiu", "police", "intel"),
                                             legal_basis="AML Directive art. 32"), writer.close())]


def _kyc_phones(world: World, rows: np.ndarray) -> list[list[str]]:
    """The phones the bank holds for these people: their own; for half the households of two or more holders, and
    for everyone in a hostel, the one landline or switchboard they share (the first resident's number); but the
    controller's for those in whose names a controller opened an account (`sweep_rings`), as he gave it."""
    phones = dict(zip(rows.tolist(), phone_lists(world, rows), strict=True))
    rng = np.random.default_rng([world.seed, LANDLINE_STREAM])
    address = world.people.address[rows]
    order = np.argsort(address, kind="stable")
    starts = np.flatnonzero(np.r_[True, address[order][1:] != address[order][:-1]])
    for together in np.split(rows[order], starts[1:]):
        shared = len(together) >= 2 and (world.people.address[together[0]] == HOSTEL or rng.random() < 0.5)
        for person in together.tolist() if shared else ():
            phones[person] = [str(world.people.phone[together[0]])]
    holders, own = world.accounts.holder_person, world.people.phone
    for controller, mules in sweep_rings(world):
        for mule in mules:
            phones[int(holders[mule])] = [str(own[holders[controller]])]
    return [phones[row] for row in rows.tolist()]
