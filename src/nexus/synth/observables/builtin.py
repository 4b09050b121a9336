"""The plug-ins every synthetic world has, registered in the order they run."""

from nexus.synth.observables import register
from nexus.synth.observables.bank_feed import BankFeed
from nexus.synth.observables.companies import CompanyRegister
from nexus.synth.observables.customs import CustomsSeizures
from nexus.synth.observables.intelligence import Intelligence
from nexus.synth.observables.partner import ForeignPartner
from nexus.synth.observables.payments import FinancialIntelligence
from nexus.synth.observables.police import PoliceCases
from nexus.synth.observables.prison import PrisonRoster
from nexus.synth.observables.travel import PassengerTravel
from nexus.synth.observables.watchlist import Watchlist

for plugin in (CompanyRegister(), PoliceCases(), CustomsSeizures(), PrisonRoster(), FinancialIntelligence(),
               PassengerTravel(), Intelligence(), ForeignPartner(), Watchlist(), BankFeed()):
    register(plugin)
