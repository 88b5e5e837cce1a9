"""``manage.py seed_demo``: the demo shop «Ромашка» in Almaty with one person per role and a
living day — stock with costs, products with recipes and photos, customers with addresses and
important dates, orders in every status from yesterday to tomorrow, the florists' queue and
payments (Kaspi, cash, part-paid, a refund).

Everything is written by the services, inside the shop's scope, so the ledger, the event log
and the tasks agree as if people had done it. Idempotent: every part is found again by its
natural key (stock by name and height, products by SKU, customers by phone), and the day's
orders are made once — when the shop has no orders yet. Only the demo shop is touched."""

from __future__ import annotations

import datetime as dt
import io
import random
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageDraw

from apps.accounts.models import User
from apps.catalog.models import Product, ProductCategory
from apps.catalog.services import product_create
from apps.customers.models import Customer
from apps.customers.services import customer_create
from apps.orders.models import DeliveryMethod, Order, OrderStatus, PaymentMethod
from apps.orders.services import order_create, order_transition, order_update, payment_record, task_take
from apps.shops.models import DeliveryZone, Membership, Shop
from apps.shops.services import shop_create, shop_update, staff_add
from apps.warehouse.models import StockCategory, StockItem, StockUnit, WriteOffReason, stock_match_key
from apps.warehouse.services import stock_item_create, stock_receive, stock_write_off
from flowercrm.models import UploadedImage
from flowercrm.roles import Role
from flowercrm.scopes import scope, scopes_disabled
from flowercrm.uploads import image_upload

DEMO_SHOP = "Ромашка"
DEMO_SLUG = "romashka"  # how the demo shop is found again (names are not unique)
# The storefront's public profile (ARCHITECTURE §11.6): GET /api/public/shops/romashka/.
DEMO_PROFILE = {
    "phone": "+77272500000",
    "address": "Алматы, пр. Абая 52",
    "hours": "Ежедневно 8:00–22:00, доставка 9:00–21:00",
}
DEMO_PASSWORD = "demo-flowers-2026"  # noqa: S105 - printed demo login, refused in production
DEMO_STAFF = [
    ("+77010000001", "Алия Админова", Role.ADMIN),
    ("+77010000002", "Марат Менеджеров", Role.MANAGER),
    ("+77010000003", "Дана Флористова", Role.FLORIST),
    ("+77010000004", "Ерлан Курьеров", Role.COURIER),
]
ZONES = [("Центр", "1500"), ("Бостандыкский район", "2000"), ("Пригород", "3500")]

# name, height, category, unit, received, unit cost, retail price, minimum
F, G, M, P = StockCategory.FLOWER, StockCategory.GREENERY, StockCategory.MATERIAL, StockCategory.PACKAGING
# What the week wasted, written off when the item is first received (the dashboard's losses chart).
DEMO_WRITE_OFFS: dict[tuple[str, int | None], list[tuple[int, str]]] = {
    ("Роза Фридом", 50): [(6, WriteOffReason.WILTED), (2, WriteOffReason.DAMAGED)],
    ("Роза Фридом", 60): [(3, WriteOffReason.DAMAGED)],
    ("Писташ", None): [(2, WriteOffReason.WILTED), (1, WriteOffReason.LOST)],
}
STOCK: list[tuple[str, int | None, str, str, int, str, str, int]] = [
    ("Роза Фридом", 50, F, StockUnit.STEM, 250, "350", "700", 50),
    ("Роза Фридом", 60, F, StockUnit.STEM, 180, "450", "900", 40),
    ("Роза Фридом", 70, F, StockUnit.STEM, 60, "550", "1100", 30),
    ("Роза Эксплорер", 60, F, StockUnit.STEM, 80, "480", "950", 20),
    ("Роза кустовая Бомбастик", 40, F, StockUnit.STEM, 40, "600", "1200", 30),
    ("Хризантема кустовая", None, F, StockUnit.STEM, 60, "400", "800", 20),
    ("Хризантема Сантини", None, F, StockUnit.STEM, 45, "300", "600", 10),
    ("Эустома", 60, F, StockUnit.STEM, 30, "650", "1300", 10),
    ("Гипсофила", None, F, StockUnit.STEM, 12, "900", "1800", 10),
    ("Эвкалипт Цинерея", None, G, StockUnit.STEM, 12, "500", "1000", 15),
    ("Писташ", None, G, StockUnit.STEM, 40, "250", "500", 10),
    ("Крафт-бумага", None, P, StockUnit.METRE, 50, "300", "600", 10),
    ("Плёнка матовая", None, P, StockUnit.METRE, 60, "200", "400", 10),
    ("Лента атласная", None, M, StockUnit.METRE, 100, "50", "150", 20),
    ("Шляпная коробка", None, P, StockUnit.PCS, 6, "1500", "3000", 5),
]
CARD = [{"name": "Открытка", "price": Decimal("300"), "quantity": 1}]


@dataclass(frozen=True)
class DemoProduct:
    sku: str
    name: str
    category: str
    price: str
    recipe: list[tuple[str, int | None, int]]  # stock name, height, quantity
    colours: tuple[str, ...]
    description: str = ""


PRODUCTS = [
    DemoProduct(
        "DEMO-ROSES-15",
        "Букет из 15 роз Фридом",
        ProductCategory.BOUQUET,
        "19900",
        [("Роза Фридом", 60, 15), ("Крафт-бумага", None, 1), ("Лента атласная", None, 1)],
        ("#c8102e", "#a50021"),
        "Классика: пятнадцать красных роз 60 см в крафте.",
    ),
    DemoProduct(
        "DEMO-ROSES-101",
        "101 роза",
        ProductCategory.BOUQUET,
        "65000",
        [("Роза Фридом", 50, 101), ("Лента атласная", None, 2)],
        ("#c8102e", "#e0314b"),
        "Сто одна красная роза 50 см.",
    ),
    DemoProduct(
        "DEMO-CHRYS",
        "Хризантемы с эвкалиптом",
        ProductCategory.BOUQUET,
        "12900",
        [("Хризантема кустовая", None, 5), ("Эвкалипт Цинерея", None, 3), ("Плёнка матовая", None, 1)],
        ("#f5f0e1", "#e9d98b"),
    ),
    DemoProduct(
        "DEMO-TENDER",
        "Букет «Нежность»",
        ProductCategory.BOUQUET,
        "16500",
        [
            ("Эустома", 60, 5),
            ("Роза кустовая Бомбастик", 40, 3),
            ("Гипсофила", None, 2),
            ("Писташ", None, 2),
            ("Плёнка матовая", None, 1),
        ],
        ("#f7c6d0", "#ffffff", "#d8b4e2"),
        "Эустома, пионовидные кустовые розы и гипсофила в пастельных тонах.",
    ),
    DemoProduct(
        "DEMO-BOX",
        "Шляпная коробка с розами",
        ProductCategory.COMPOSITION,
        "29900",
        [
            ("Роза Эксплорер", 60, 11),
            ("Роза кустовая Бомбастик", 40, 4),
            ("Эвкалипт Цинерея", None, 2),
            ("Шляпная коробка", None, 1),
        ],
        ("#b5002b", "#f7c6d0"),
    ),
    DemoProduct(
        "DEMO-SANTINI",
        "Сантини в крафте",
        ProductCategory.BOUQUET,
        "7900",
        [("Хризантема Сантини", None, 9), ("Писташ", None, 2), ("Крафт-бумага", None, 1)],
        ("#c5e17a", "#f4e04d"),
    ),
]

# phone, name, address, [(days from today, title, remind days before)], tags
CUSTOMERS: list[tuple[str, str, str, list[tuple[int, str, int]], list[str]]] = [
    ("+77015550101", "Айгерим Нурланова", "ул. Абая 150, кв. 12", [(2, "День рождения мамы", 3)], ["постоянный"]),
    ("+77015550102", "Ержан Сапаров", "пр. Достык 97, офис 5", [(1, "Годовщина свадьбы", 3)], ["корпоративный"]),
    ("+77015550103", "Мадина Ахметова", "мкр. Самал-2, д. 58, кв. 7", [(10, "День рождения", 3)], []),
    ("+77015550104", "Тимур Касымов", "ул. Толе би 73", [], []),
    ("+77015550105", "Алина Ким", "ул. Жарокова 217, кв. 41", [(0, "День рождения подруги", 1)], ["постоянный"]),
    ("+77015550106", "Асель Бекова", "ул. Сатпаева 30а", [], []),
    ("+77015550107", "Дмитрий Иванов", "ул. Розыбакиева 247", [(40, "День рождения жены", 7)], []),
    ("+77015550108", "Сауле Омарова", "мкр. Орбита-3, д. 12", [], ["инстаграм"]),
]


@dataclass(frozen=True)
class DemoOrder:
    day: int  # from the shop's today
    status: str
    customer: int  # index in CUSTOMERS
    items: list[tuple[str, int]]  # SKU, quantity
    window: tuple[int, int]
    pickup: bool = False
    # amounts received: "full" or a number; negative numbers are refunds
    payments: Sequence[tuple[str, str]] = ()
    recipient: tuple[str, str] = ("", "")
    card: str = ""
    reason: str = ""
    source: str = "phone"


S = OrderStatus
KASPI, CASH, CARD_PAY = PaymentMethod.KASPI, PaymentMethod.CASH, PaymentMethod.CARD
ORDERS = [
    # yesterday
    DemoOrder(-1, S.DELIVERED, 0, [("DEMO-ROSES-15", 1)], (10, 12), payments=[("full", KASPI)], card="Любимой маме!"),
    DemoOrder(
        -1,
        S.DELIVERED,
        1,
        [("DEMO-BOX", 1)],
        (14, 16),
        payments=[("full", CASH)],
        recipient=("Гульнара", "+77077001122"),
    ),
    DemoOrder(-1, S.DELIVERED, 3, [("DEMO-SANTINI", 2)], (18, 19), pickup=True, payments=[("full", CASH)]),
    DemoOrder(
        -1,
        S.CANCELLED,
        5,
        [("DEMO-CHRYS", 1)],
        (12, 14),
        payments=[("full", KASPI), ("-full", KASPI)],
        reason="Клиент перенёс праздник",
    ),
    # today
    DemoOrder(0, S.DELIVERED, 2, [("DEMO-TENDER", 1)], (9, 11), payments=[("full", KASPI)], source="instagram"),
    DemoOrder(
        0,
        S.OUT_FOR_DELIVERY,
        4,
        [("DEMO-ROSES-15", 1)],
        (11, 13),
        payments=[("full", KASPI)],
        recipient=("Жанна", "+77017003344"),
        card="С днём рождения!",
    ),
    DemoOrder(0, S.OUT_FOR_DELIVERY, 6, [("DEMO-CHRYS", 1)], (12, 14), recipient=("Ольга", "+77019005566")),
    DemoOrder(0, S.ASSEMBLED, 7, [("DEMO-BOX", 1)], (15, 17), payments=[("15000", KASPI)], source="instagram"),
    DemoOrder(0, S.READY_FOR_PICKUP, 0, [("DEMO-SANTINI", 1)], (16, 17), pickup=True, payments=[("full", CASH)]),
    DemoOrder(0, S.IN_PRODUCTION, 1, [("DEMO-TENDER", 1)], (17, 19), payments=[("5000", CASH)], card="Спасибо за всё!"),
    DemoOrder(0, S.CONFIRMED, 3, [("DEMO-ROSES-101", 1)], (19, 21), payments=[("full", KASPI)], card="Выходи за меня!"),
    DemoOrder(0, S.CONFIRMED, 5, [("DEMO-CHRYS", 1)], (18, 20)),
    DemoOrder(0, S.NEW, 2, [("DEMO-SANTINI", 1)], (20, 21), source="whatsapp"),
    DemoOrder(0, S.CANCELLED, 6, [("DEMO-ROSES-15", 1)], (10, 12), reason="Заказ-дубль"),
    # tomorrow
    DemoOrder(1, S.NEW, 4, [("DEMO-BOX", 1)], (10, 12), source="website"),
    DemoOrder(1, S.NEW, 7, [("DEMO-TENDER", 1)], (12, 13), pickup=True),
    DemoOrder(1, S.CONFIRMED, 1, [("DEMO-ROSES-15", 1)], (9, 11), payments=[("10000", KASPI)]),
    DemoOrder(1, S.CONFIRMED, 0, [("DEMO-CHRYS", 1)], (14, 16), payments=[("full", KASPI)]),
    DemoOrder(1, S.IN_PRODUCTION, 2, [("DEMO-TENDER", 1)], (10, 12)),
]

# The moves that bring a new order to each status (pickup orders go through ready_for_pickup).
PATHS: dict[str, list[str]] = {
    S.NEW: [],
    S.CONFIRMED: [S.CONFIRMED],
    S.IN_PRODUCTION: [S.CONFIRMED, S.IN_PRODUCTION],
    S.ASSEMBLED: [S.CONFIRMED, S.IN_PRODUCTION, S.ASSEMBLED],
    S.OUT_FOR_DELIVERY: [S.CONFIRMED, S.IN_PRODUCTION, S.ASSEMBLED, S.OUT_FOR_DELIVERY],
    S.READY_FOR_PICKUP: [S.CONFIRMED, S.IN_PRODUCTION, S.ASSEMBLED, S.READY_FOR_PICKUP],
    S.DELIVERED: [S.CONFIRMED, S.IN_PRODUCTION, S.ASSEMBLED, S.OUT_FOR_DELIVERY, S.DELIVERED],
    S.CANCELLED: [S.CONFIRMED, S.CANCELLED],
}
FLOOR_MOVES = {S.IN_PRODUCTION, S.ASSEMBLED, S.READY_FOR_PICKUP}
ROAD_MOVES = {S.OUT_FOR_DELIVERY}


def demo_photo(colours: Sequence[str], seed: str) -> bytes:
    """A simple bouquet picture: blooms of ``colours`` over green leaves (JPEG)."""
    rng = random.Random(seed)  # noqa: S311 - a picture, not a secret
    size = 480
    image = Image.new("RGB", (size, size), "#f4efe8")
    draw = ImageDraw.Draw(image)
    for _leaf in range(14):
        x, y = rng.randint(60, size - 60), rng.randint(200, size - 40)
        draw.ellipse((x - 40, y - 14, x + 40, y + 14), fill=rng.choice(["#4f7942", "#6b8e23", "#3b5d2a"]))
    for _bloom in range(22):
        x, y, r = rng.randint(110, size - 110), rng.randint(90, size - 170), rng.randint(26, 44)
        colour = rng.choice(list(colours))
        draw.ellipse((x - r, y - r, x + r, y + r), fill=colour, outline="#00000022")
        draw.ellipse((x - r // 3, y - r // 3, x + r // 3, y + r // 3), fill="#00000018")
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()


class Command(BaseCommand):
    help = "Fill the demo shop «Ромашка» with staff, stock, products, customers and a day of orders (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--force", action="store_true", help="Allow in production.")

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION and not options["force"]:
            raise CommandError(_("seed_demo creates known passwords; refused in production (use --force)."))
        with scopes_disabled("creates the demo shop and its people: no shop scope exists before it"):
            shop = self.shop_and_staff()
        with scope(shop=shop):
            people = {str(role): User.objects.get(phone=phone) for phone, _name, role in DEMO_STAFF}
            with transaction.atomic():
                stock = self.stock(shop)
                customers = self.customers(shop)
                zones = self.zones(shop)
            # Stored files are not transactional: the pictures are stored first, then attached.
            missing = [p for p in PRODUCTS if not Product.objects.filter(shop=shop, sku=p.sku).exists()]
            photos = {
                p.sku: image_upload(
                    shop=shop,
                    uploaded_by=None,
                    upload=SimpleUploadedFile(f"{p.sku.lower()}.jpg", demo_photo(p.colours, p.sku), "image/jpeg"),
                )
                for p in missing
            }
            with transaction.atomic():
                products = self.products(shop, stock, photos)
                made = self.orders(shop, people, customers, products, zones)
        self.report(shop, made)

    # --- the parts, each found again by its natural key --------------------------------------

    @transaction.atomic
    def shop_and_staff(self) -> Shop:
        shop = Shop.objects.filter(slug=DEMO_SLUG).first()
        admin_phone, admin_name, _role = DEMO_STAFF[0]
        if shop is None:
            shop, _staff = shop_create(
                name=DEMO_SHOP,
                slug=DEMO_SLUG,
                admin_phone=admin_phone,
                admin_password=DEMO_PASSWORD,
                admin_name=admin_name,
            )
        for phone, name, role in DEMO_STAFF:
            if not Membership.objects.filter(shop=shop, user__phone=phone).exists():
                staff_add(shop=shop, phone=phone, name=name, role=role, password=DEMO_PASSWORD, invite_existing=False)
        return self.storefront(shop)

    def storefront(self, shop: Shop) -> Shop:
        """The public profile, filled where blank; the storefront is switched on the first time
        only (a shop that switched it off keeps it off)."""
        blanks = {name: value for name, value in DEMO_PROFILE.items() if not getattr(shop, name)}
        if not blanks:
            return shop
        first_time = len(blanks) == len(DEMO_PROFILE)
        return shop_update(shop=shop, data={**blanks, **({"storefront_enabled": True} if first_time else {})})

    def stock(self, shop: Shop) -> dict[tuple[str, int | None], StockItem]:
        items = {}
        for name, height, category, unit, received, cost, retail, minimum in STOCK:
            item = StockItem.objects.filter(shop=shop, match_key=stock_match_key(name, height)).first()
            if item is None:
                item = stock_item_create(
                    shop=shop,
                    data={
                        "name": name,
                        "height_cm": height,
                        "category": category,
                        "unit": unit,
                        "retail_price": Decimal(retail),
                        "min_quantity": minimum,
                    },
                )
                stock_receive(item=item, quantity=received, unit_price=Decimal(cost), actor=None, note="Демо-поставка")
                for quantity, reason in DEMO_WRITE_OFFS.get((name, height), ()):
                    stock_write_off(item=item, quantity=quantity, reason=reason, actor=None)
            items[(name, height)] = item
        return items

    def customers(self, shop: Shop) -> list[Customer]:
        today = timezone.localdate(timezone=shop.zoneinfo)
        found = []
        for phone, name, address, dates, tags in CUSTOMERS:
            customer = Customer.objects.filter(shop=shop, phone=phone).first()
            if customer is None:
                customer = customer_create(
                    shop=shop,
                    data={
                        "phone": phone,
                        "name": name,
                        "source": "instagram" if "инстаграм" in tags else "phone",
                        "addresses": [{"label": "Дом", "address": address, "is_default": True}],
                        "important_dates": [
                            {"day": day.day, "month": day.month, "title": title, "remind_days_before": before}
                            for day, title, before in ((today + dt.timedelta(days=d), t, b) for d, t, b in dates)
                        ],
                        "tags": tags,
                    },
                )
            found.append(customer)
        return found

    def zones(self, shop: Shop) -> list[DeliveryZone]:
        if not DeliveryZone.objects.filter(shop=shop).exists():
            shop_update(shop=shop, data={"delivery_zones": [{"name": n, "fee": Decimal(f)} for n, f in ZONES]})
        return list(DeliveryZone.objects.filter(shop=shop).order_by("id"))

    def products(
        self, shop: Shop, stock: dict[tuple[str, int | None], StockItem], photos: dict[str, UploadedImage]
    ) -> dict[str, Product]:
        found = {}
        for demo in PRODUCTS:
            product = Product.objects.filter(shop=shop, sku=demo.sku).first()
            if product is None:
                product = product_create(
                    shop=shop,
                    data={
                        "sku": demo.sku,
                        "name": demo.name,
                        "category": demo.category,
                        "description": demo.description,
                        "price": Decimal(demo.price),
                        "components": [
                            {"stock_item": stock[(name, height)], "quantity": quantity}
                            for name, height, quantity in demo.recipe
                        ],
                        "extras": CARD,
                        "labour": Decimal("1500"),
                        "images": [photos[demo.sku].pk] if demo.sku in photos else [],
                    },
                )
            found[demo.sku] = product
        return found

    def orders(
        self,
        shop: Shop,
        people: dict[str, User],
        customers: list[Customer],
        products: dict[str, Product],
        zones: list[DeliveryZone],
    ) -> int:
        """The day's orders, once: a shop that has orders already keeps them."""
        if Order.objects.filter(shop=shop).exists():
            return 0
        today = timezone.localdate(timezone=shop.zoneinfo)
        manager, florist, courier = people[Role.MANAGER], people[Role.FLORIST], people[Role.COURIER]
        for index, demo in enumerate(ORDERS):
            customer = customers[demo.customer]
            _phone, _name, address, _dates, _tags = CUSTOMERS[demo.customer]
            name, phone = demo.recipient
            order = order_create(
                shop=shop,
                actor=manager,
                data={
                    "customer_obj": customer,
                    "recipient_name": name or customer.name,
                    "recipient_phone": phone or customer.phone,
                    "delivery_method": DeliveryMethod.PICKUP if demo.pickup else DeliveryMethod.DELIVERY,
                    "delivery_address": "" if demo.pickup else address,
                    "delivery_zone": None if demo.pickup else zones[index % len(zones)],
                    "delivery_date": today + dt.timedelta(days=demo.day),
                    "delivery_time_from": dt.time(demo.window[0]),
                    "delivery_time_to": dt.time(demo.window[1]),
                    "card_text": demo.card,
                    "source": demo.source,
                    "items": [{"product": products[sku], "quantity": quantity} for sku, quantity in demo.items],
                },
            )
            # Money first, the moves after; a refund follows the cancellation it answers.
            for amount, method in demo.payments:
                if not amount.startswith("-"):
                    self.pay(order, manager, amount, method)
            self.move(order, demo, manager=manager, florist=florist, courier=courier)
            for amount, method in demo.payments:
                if amount.startswith("-"):
                    self.pay(order, manager, amount, method)
        return len(ORDERS)

    def pay(self, order: Order, manager: User, amount: str, method: str) -> None:
        order.refresh_from_db()
        value = order.total if amount.lstrip("-") == "full" else Decimal(amount.lstrip("-"))
        payment_record(order=order, actor=manager, amount=-value if amount.startswith("-") else value, method=method)

    def move(self, order: Order, demo: DemoOrder, *, manager: User, florist: User, courier: User) -> None:
        path = PATHS[demo.status]
        if demo.pickup:
            path = [S.READY_FOR_PICKUP if to == S.OUT_FOR_DELIVERY else to for to in path]
        if demo.status == S.CANCELLED and demo.day == 0:
            path = [S.CANCELLED]  # cancelled before anyone confirmed it
        for to in path:
            if to in ROAD_MOVES:
                order_update(order=order, actor=manager, data={"courier": courier})
                order_transition(order=order, to=to, actor=courier, role=Role.COURIER)
            elif to == S.DELIVERED and not demo.pickup:
                order_transition(order=order, to=to, actor=courier, role=Role.COURIER)
            elif to in FLOOR_MOVES or to == S.DELIVERED:
                order_transition(order=order, to=to, actor=florist, role=Role.FLORIST)
            else:
                reason = demo.reason if to == S.CANCELLED else ""
                order_transition(order=order, to=to, actor=manager, role=Role.MANAGER, reason=reason)
            order.refresh_from_db()
        if demo.status == S.CONFIRMED and demo.day == 0:
            task_take(task=order.task, actor=florist, role=Role.FLORIST)  # a florist has it lined up

    def report(self, shop: Shop, made: int) -> None:
        with scope(shop=shop):
            orders = Order.objects.filter(shop=shop).count()
        title = _("Demo shop «%(name)s» (#%(id)s) is ready: %(orders)d orders, %(made)d made now. Logins:")
        self.stdout.write(
            self.style.SUCCESS(title % {"name": shop.name, "id": shop.id, "orders": orders, "made": made})
        )
        for phone, name, role in DEMO_STAFF:
            user = User.objects.get(phone=phone)
            note = "" if user.check_password(DEMO_PASSWORD) else " " + _("(password was changed)")
            self.stdout.write(f"  {role:<8} {phone}  {DEMO_PASSWORD}{note}  — {name}")
        if shop.storefront_enabled:
            self.stdout.write(_("Storefront API: /api/public/shops/%(slug)s/") % {"slug": shop.slug})
